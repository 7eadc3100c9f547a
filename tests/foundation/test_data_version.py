"""``Survey.data_version``: every write that can move a figure raises it once, in its own transaction; writes that
move none leave it alone. The document cache and the API's ETag check rely on it."""
from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from survey_service.extensions import db
from survey_service.responses.models import Validity
from survey_service.responses.operations import decide_validity, save_answers
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey, SurveyState
from survey_service.surveys.operations import change_state
from survey_service.timestamps import utcnow

PACKAGE = Path(__file__).resolve().parents[2] / "survey_service"
#: the models (and their tables) a figure is computed from
FIGURE_MODELS = {"Response", "Answer", "Invitation", "Survey", "RosterUnit", "Question", "QuestionnaireVersion"}
#: functions that write those tables in bulk yet cannot move a figure, and why
MOVE_NO_FIGURE = {"_raise_data_versions": "it is the raise of the version itself",
                  "find_link": "its look-up notes only the time a link was first opened",
                  "_write_batch": "it writes only the times links were first opened",
                  "_note_started": "it writes only the time a centre first saved its answers"}
#: functions whose one statement raises the survey's data version itself, in place of ``touch``
RAISE_THE_VERSION_IN_THE_STATEMENT = {
    "_first_save_at_once": "a centre's first save on PostgreSQL: the statement's own UPDATE of the survey"}


def _survey() -> Survey:
    return db.session.scalar(select(Survey).filter_by(key="remote-edu-ops-2017"))


def _invitation(n: int = 0) -> Invitation:
    return db.session.scalars(select(Invitation).order_by(Invitation.id).offset(n).limit(1)).one()


def _likert(survey: Survey, value: int = 4) -> dict[str, int]:
    return {item.key: value for item in survey.questionnaire_version.questionnaire.items}


def _submit(n: int = 0):
    invitation = _invitation(n)
    return save_answers(invitation, _likert(invitation.survey), {}, submit=True)


def _reviewer():
    from survey_service.auth.operations import create_user

    return create_user("reviewer@example.org", "evaluator", "correct horse battery")


def _allow_corrections_and_submit():
    _survey().allow_corrections = True
    _submit()


# Each write path: (set-up committed first, the write, whether it moves a figure)
WRITE_PATHS = {
    "submission": (None, lambda: _submit(), True),
    "draft save": (None, lambda: save_answers(_invitation(), {}, {}, submit=False), False),
    "correction": (_allow_corrections_and_submit,
                   lambda: save_answers(_invitation(), _likert(_survey(), 2), {}, submit=False, correcting=True), True),
    "review decision": (lambda: _submit(), lambda: decide_validity(_response(), Validity.invalid, "重复填写",
                                                                   _reviewer()), True),
    "invitation revoked": (None, lambda: setattr(_invitation(), "revoked_at", utcnow()), True),
    "invitation created": (None, lambda: db.session.add(Invitation(survey=_survey(), unit=_new_unit())), True),
    "link opened": (None, lambda: setattr(_invitation(), "opened_at", utcnow()), False),
    "reminder sent": (None, lambda: setattr(_invitation(), "reminded_at", utcnow()), False),
    "survey closed": (None, lambda: change_state(_survey(), SurveyState.closed), True),
    "survey retitled": (None, lambda: setattr(_survey(), "title", "新标题"), True),
    "answering window moved": (None, lambda: setattr(_survey(), "closes_at", utcnow() + timedelta(days=3)), True),
    "roster unit moved to another district": (None, lambda: setattr(_roster_unit(), "district", "浦东新区"), True),
    "questionnaire item reweighted": (None, lambda: setattr(_survey().questionnaire_version.questions[0], "weight",
                                                            2.0), True),
}


def _response():
    from survey_service.responses.models import Response

    return db.session.scalars(select(Response).order_by(Response.id).limit(1)).one()


def _roster_unit() -> RosterUnit:
    return _survey().roster.units[0]


def _new_unit() -> RosterUnit:
    unit = RosterUnit(roster=_survey().roster, code="999999999", name="新增中心", district="黄浦区")
    db.session.add(unit)
    return unit


@pytest.mark.parametrize("path", WRITE_PATHS)
def test_a_write_path_raises_the_version_once_if_it_moves_a_figure(app, issued_survey, path):
    set_up, write, moves_a_figure = WRITE_PATHS[path]
    with app.app_context():
        if set_up:
            set_up()
            db.session.commit()
        before = _survey().data_version
        write()
        db.session.commit()
        assert _survey().data_version == before + (1 if moves_a_figure else 0)


def test_a_rolled_back_write_raises_nothing(app, issued_survey):
    with app.app_context():
        before = _survey().data_version
        _submit()
        db.session.rollback()
        db.session.commit()
        assert _survey().data_version == before


def test_many_writes_in_one_transaction_raise_it_by_one(app, issued_survey):
    with app.app_context():
        before = _survey().data_version
        for n in range(5):
            _submit(n)
        db.session.commit()
        assert _survey().data_version == before + 1


def test_the_centres_submission_over_the_web_raises_it(app, client, issued_survey):
    from tests.conftest import post_form

    with app.app_context():
        before = _survey().data_version
        token = _invitation().token
        likert = {f"item-{key}": value for key, value in _likert(_survey()).items()}
    assert client.get(f"/s/{token}").status_code == 200
    with app.app_context():
        assert _survey().data_version == before  # opening the link moves no figure
    response = post_form(client, f"/s/{token}", {**likert, "action": "submit"})
    assert response.status_code == 302
    with app.app_context():
        assert _survey().data_version == before + 1


def _bulk_writes_without_touch(sources: dict[str, str] | None = None) -> list[str]:
    """Functions of the package that write a figure's table with a bulk statement (``update(Response)``,
    ``insert(Answer.__table__)``…), which the ORM does not see, and do not call ``touch``.

    A function that only builds the statement and returns it (built once and kept, for the centres' path) passes
    the duty to every function that calls it: each of those must call ``touch``."""
    if sources is None:
        sources = {str(path.relative_to(PACKAGE.parent)): path.read_text(encoding="utf-8")
                   for path in sorted(PACKAGE.rglob("*.py"))}
    functions = []
    for path, source in sources.items():
        functions += [(path, node) for node in ast.walk(ast.parse(source))
                      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]

    def called_names(function) -> set[str]:
        return {ast.unparse(call.func).rsplit(".", 1)[-1] for call in ast.walk(function) if isinstance(call, ast.Call)}

    def writes_in_bulk(function) -> bool:
        # update(), insert(), delete(), and INSERT … ON CONFLICT of the database at hand (UPSERTS[dialect](…))
        return any(isinstance(call, ast.Call) and call.args
                   and (ast.unparse(call.func).rsplit(".", 1)[-1] in ("update", "insert", "delete")
                        or ast.unparse(call.func).startswith("UPSERTS["))
                   and ast.unparse(call.args[0]).split(".")[0] in FIGURE_MODELS for call in ast.walk(function))

    def builds_only(function) -> bool:
        """Returns a statement it built and executes nothing itself."""
        return (not {"execute", "scalar", "scalars"} & called_names(function)
                and any(isinstance(node, ast.Return) and node.value is not None for node in ast.walk(function)))

    builders = {function.name for _, function in functions if writes_in_bulk(function) and builds_only(function)}
    found = []
    for path, function in functions:
        names = called_names(function)
        bulk = (writes_in_bulk(function) and function.name not in builders) or bool(builders & names)
        if bulk and "touch" not in names and function.name not in MOVE_NO_FIGURE | RAISE_THE_VERSION_IN_THE_STATEMENT:
            found.append(f"{path}:{function.lineno} {function.name}")
    return found


BUILT_ELSEWHERE = """
def _statement():
    return update(Response).where(Response.id == bindparam("id")).values(state=bindparam("state"))

def careful(session):
    session.execute(_statement(), {"id": 1, "state": "submitted"})
    touch(1)

def careless(session):
    session.execute(_statement(), {"id": 1, "state": "submitted"})
"""


def test_a_statement_built_elsewhere_counts_where_it_is_run():
    """The kept statements of the submission are built by functions of their own; the check follows them to the
    functions that run them, and finds the one that forgets ``touch``."""
    assert _bulk_writes_without_touch({"module.py": BUILT_ELSEWHERE}) == ["module.py:9 careless"]


def test_every_bulk_write_to_a_figure_table_touches_its_survey():
    """The ORM's writes are noted by themselves; a bulk statement must call ``surveys.operations.touch``."""
    assert _bulk_writes_without_touch() == []


def test_the_bulk_write_check_sees_the_submission():
    """The submission's own source, with its ``touch`` taken out, is reported."""
    source = (PACKAGE / "responses" / "operations.py").read_text(encoding="utf-8")
    assert "touch(invitation.survey_id)" in source
    careless = source.replace("touch(invitation.survey_id)", "pass")
    assert [entry for entry in _bulk_writes_without_touch({"operations.py": careless})
            if entry.endswith(" save_answers")]
