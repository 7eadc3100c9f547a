"""The survey's document and export read answers by item key from the one questionnaire definition, once a request."""
from unittest import mock

import numpy as np
from sqlalchemy import select

from survey_service.extensions import db
from survey_service.questionnaires.models import Question
from survey_service.responses.csv_format import export_header
from survey_service.responses.operations import save_answers
from survey_service.results import documents
from survey_service.results.exports import response_rows
from survey_service.results.queries import survey_responses
from survey_service.surveys.operations import find_survey
from tests.conftest import create_account, log_in

ITEMS = [f"q{n:02d}" for n in range(1, 13)]


def test_answers_are_pivoted_by_item_key_not_by_stored_position(app, issued_survey):
    with app.app_context():
        survey = find_survey(issued_survey)
        rng = np.random.default_rng(41)
        for invitation in list(survey.invitations)[:6]:
            save_answers(invitation, {key: int(rng.integers(1, 6)) for key in ITEMS}, {"suggestions": "好"},
                         submit=True)
        db.session.commit()
        before = survey_responses(survey).answers
        rows_before = list(response_rows(survey))
        # the stored positions no longer follow the definition: the figures must not notice
        questions = db.session.scalars(select(Question).where(
            Question.questionnaire_version_id == survey.questionnaire_version_id)).all()
        positions = [question.position for question in questions]
        for question, position in zip(questions, reversed(positions)):
            question.position = position + 1000
        db.session.flush()
        after = survey_responses(survey).answers
        assert np.array_equal(before, after, equal_nan=True)
        assert list(response_rows(survey)) == rows_before
        # the export's item columns hold the same answers as the analysis reads, response by response
        columns = [export_header(survey.questionnaire_version.questionnaire).index(key) for key in ITEMS]
        assert [[int(row[column]) for column in columns] for row in rows_before] == before.astype(int).tolist()


def test_a_page_reads_each_document_once(app, client, issued_survey):
    email, password = create_account(app, "viewer")
    assert log_in(client, email, password).status_code == 302
    asked = []
    original = documents._document

    def counted(survey, group_by, key):
        asked.append((survey.id, group_by))
        return original(survey, group_by, key)

    with mock.patch.object(documents, "_document", counted):
        assert client.get(f"/surveys/{issued_survey}/results/report").status_code == 200
    # the printable report shows the district and the kind document in many sections: each is read once
    assert sorted(asked) == sorted(set(asked)) and len(asked) == 2
