"""The blank questionnaire and the receipt come from shells kept per survey and language (respond/pages.py): each
must be the very page the templates render for that centre, with its own values, escaped, and a new shell must be
made when anything else on the page changes."""
from __future__ import annotations

import re

import pytest
from flask import render_template
from sqlalchemy import select, update

from survey_service.extensions import db
from survey_service.formatting import local_datetime
from survey_service.respond import pages
from survey_service.respond.forms import BlankAnswerForm
from survey_service.respond.queries import find_invitation
from survey_service.respond.views import _questions, localized, template_helpers
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Invitation, Survey
from tests.conftest import csrf_token, listening_during, post_form, statements_sent
from tests.respond.conftest import COMPLETE_ANSWERS, issue_survey

CSRF_FIELD = re.compile(r'(name="csrf_token" type="hidden" value=")([^"]+)')


def rendered(app, template: str, token: str, language: str, **context) -> str:
    """The page as the template renders it for this centre, without any kept shell."""
    with app.test_request_context(f"/s/{token}?lang={language}"):
        invitation = find_invitation(token)
        survey = invitation.survey
        questionnaire = survey.questionnaire_version.questionnaire
        title = localized(questionnaire, "title") if survey.title == questionnaire.title else survey.title
        return render_template(template, invitation=invitation, survey=survey, unit=invitation.unit,
                               questionnaire=questionnaire, survey_title=title, **template_helpers(), **context)


def without_csrf(html: str) -> str:
    return CSRF_FIELD.sub(r"\1…", html)


def rename_unit(app, token: str, name: str) -> None:
    with app.app_context():
        unit_id = db.session.scalar(select(Invitation.unit_id).filter_by(token=token))
        db.session.execute(update(RosterUnit).where(RosterUnit.id == unit_id).values(name=name))
        db.session.commit()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_blank_form_is_the_templates_page_for_each_centre(app, language):
    tokens = issue_survey(app)
    rename_unit(app, tokens[1], '<b>"张江" & 陆家嘴</b>')
    for token in tokens[:2]:  # the second centre's page comes from the shell the first one made
        client = app.test_client()
        page = client.get(f"/s/{token}?lang={language}").get_data(as_text=True)
        with app.test_request_context(f"/s/{token}?lang={language}"):
            questionnaire = find_invitation(token).survey.questionnaire_version.questionnaire
            form = BlankAnswerForm(questionnaire, csrf_value="…")
            questions = _questions(questionnaire, form)
        assert without_csrf(page) == rendered(app, "respond/questionnaire.html", token, language, form=form,
                                              correcting=False, questions=questions)
        assert f'action="/s/{token}"' in page
    assert "&lt;b&gt;&#34;张江&#34; &amp; 陆家嘴&lt;/b&gt;" in page and "<b>" not in page


@pytest.mark.parametrize("corrections", [False, True])
def test_the_receipt_is_the_templates_page_for_each_centre(app, corrections):
    tokens = issue_survey(app, allow_corrections=corrections)
    rename_unit(app, tokens[1], "A & <B>")
    for token in tokens[:2]:
        client = app.test_client()
        assert post_form(client, f"/s/{token}", {**COMPLETE_ANSWERS, "action": "submit"}).status_code == 302
        for language in ("zh", "en"):
            page = client.get(f"/s/{token}?lang={language}").get_data(as_text=True)
            with app.test_request_context(f"/s/{token}?lang={language}"):
                response = find_invitation(token).response
                submitted_at = local_datetime(response.submitted_at)
            assert page == rendered(app, "respond/receipt.html", token, language, response=response,
                                    correctable=corrections, submitted_at=submitted_at)
            assert response.reference in page and ("/correction" in page) is corrections
    assert "A &amp; &lt;B&gt;" in page


def test_each_visitor_gets_a_csrf_token_of_its_own_that_submits(app):
    tokens = issue_survey(app)
    first, second = app.test_client(), app.test_client()
    token_one, token_two = csrf_token(first, f"/s/{tokens[0]}"), csrf_token(second, f"/s/{tokens[1]}")
    assert token_one != token_two
    assert post_form(second, f"/s/{tokens[1]}", {**COMPLETE_ANSWERS, "action": "submit"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Invitation).filter_by(token=tokens[1])).submitted


def test_a_changed_title_or_closing_time_shows_at_once(app):
    from datetime import datetime, timezone

    tokens = issue_survey(app)
    assert "2026年12月31日" not in app.test_client().get(f"/s/{tokens[0]}").get_data(as_text=True)
    with app.app_context():
        db.session.execute(update(Survey).values(title="新的标题",
                                                 closes_at=datetime(2099, 12, 31, 9, 0, tzinfo=timezone.utc)))
        db.session.commit()
    page = app.test_client().get(f"/s/{tokens[1]}").get_data(as_text=True)
    assert "新的标题" in page and "2099年12月31日 17:00" in page


def test_a_waiting_message_is_shown_above_the_receipt(app):
    tokens = issue_survey(app, allow_corrections=True)
    client = app.test_client()
    post_form(client, f"/s/{tokens[0]}", {**COMPLETE_ANSWERS, "action": "submit"})
    corrected = post_form(client, f"/s/{tokens[0]}", {**COMPLETE_ANSWERS, "item-q01": "1", "action": "submit"},
                          page=f"/s/{tokens[0]}/correction")
    assert corrected.status_code == 302
    assert "已保存您的修改。" in client.get(f"/s/{tokens[0]}").get_data(as_text=True)


def test_a_shell_refuses_a_hole_it_has_no_value_for():
    with pytest.raises(ValueError, match="reference"):
        pages.page(("test", "unknown hole"), {"token": "x"}, render=lambda: f"<p>{pages.hole('reference')}</p>")


def test_a_shells_values_are_escaped_and_its_token_filled():
    html = pages.page(("test", "escaping"), {"token": "abc-DEF_1", "unit_name": "<i>&"},
                      render=lambda: f"<a href=/s/{pages.hole('token')}>{pages.hole('unit_name')}</a>")
    assert html == "<a href=/s/abc-DEF_1>&lt;i&gt;&amp;</a>"


def statements_during(app, action) -> list[str]:
    return [statement for statement, _ in statements_sent(app, action)]


def test_the_redirect_after_a_submission_shows_its_receipt_from_the_session_once(app):
    """The receipt right after 提交 is the page a later visit reads from the database, served without a statement;
    the note serves that one request, for that link, in that language."""
    tokens = issue_survey(app)
    first = app.test_client()  # makes the process's receipt shell
    assert post_form(first, f"/s/{tokens[0]}", {**COMPLETE_ANSWERS, "action": "submit"}).status_code == 302
    assert "问卷已提交" in first.get(f"/s/{tokens[0]}").get_data(as_text=True)

    client = app.test_client()
    submitted = post_form(client, f"/s/{tokens[1]}", {**COMPLETE_ANSWERS, "action": "submit"})
    pages_seen = []
    sent = statements_during(app, lambda: pages_seen.append(client.get(submitted.headers["Location"])))
    assert pages_seen[0].status_code == 200 and sent == []
    again = []
    sent_again = statements_during(app, lambda: again.append(client.get(submitted.headers["Location"])))
    assert sent_again  # read from the database this time
    assert pages_seen[0].get_data(as_text=True) == again[0].get_data(as_text=True)
    with app.app_context():
        reference = db.session.scalar(select(Invitation).filter_by(token=tokens[1])).response.reference
    assert reference in again[0].get_data(as_text=True)
    assert pages_seen[0].headers["Cache-Control"] == "no-store"


def test_a_receipt_noted_for_one_link_or_language_is_not_shown_for_another(app):
    tokens = issue_survey(app)
    warm = app.test_client()
    post_form(warm, f"/s/{tokens[0]}", {**COMPLETE_ANSWERS, "action": "submit"})
    warm.get(f"/s/{tokens[0]}")
    client = app.test_client()
    post_form(client, f"/s/{tokens[1]}", {**COMPLETE_ANSWERS, "action": "submit"})
    other_link = client.get(f"/s/{tokens[2]}").get_data(as_text=True)
    assert "问卷已提交" not in other_link  # the other centre's blank form, not this receipt
    # the note went with that request: its own link now reads the database, in English here
    sent = statements_during(app, lambda: client.get(f"/s/{tokens[1]}?lang=en"))
    assert sent
    # submitted in English (the language this browser chose above), opened in Chinese: read from the database
    post_form(client, f"/s/{tokens[3]}", {**COMPLETE_ANSWERS, "action": "submit"})
    chinese = []
    assert statements_during(app, lambda: chinese.append(client.get(f"/s/{tokens[3]}?lang=zh")))
    assert "问卷已提交" in chinese[0].get_data(as_text=True)


def models_loaded(app, action) -> list[str]:
    """The names of the models ``action`` loaded from the database (SQLAlchemy's ``load`` event)."""
    from sqlalchemy.orm import Mapper

    loaded = []
    listening_during(Mapper, "load", lambda target, context: loaded.append(type(target).__name__), action)
    return loaded


def test_a_centres_first_visit_and_submission_read_the_link_as_one_row(app):
    """The blank form, the 提交 of a centre with nothing saved and the receipt read the link's row alone
    (respond.queries.find_link): no model object is built on the path every centre takes."""
    tokens = issue_survey(app)
    warm = app.test_client()  # the process's shells and caches, made once
    post_form(warm, f"/s/{tokens[0]}", {**COMPLETE_ANSWERS, "action": "submit"})
    warm.get(f"/s/{tokens[0]}")

    client = app.test_client()
    pages_seen = []
    loaded = models_loaded(app, lambda: pages_seen.extend([
        client.get(f"/s/{tokens[1]}"),
        post_form(client, f"/s/{tokens[1]}", {**COMPLETE_ANSWERS, "action": "submit"}),
        client.get(f"/s/{tokens[1]}"),  # the receipt, noted in the session
        app.test_client().get(f"/s/{tokens[1]}")]))  # the receipt, read from the database
    assert [page.status_code for page in pages_seen] == [200, 302, 200, 200]
    assert loaded == []
    assert "问卷已提交" in pages_seen[3].get_data(as_text=True)


def test_a_saved_draft_is_resumed_and_submitted_through_the_models(app):
    """A centre with a draft goes the way of an existing response: its page shows the saved answers, and its
    提交 submits that response."""
    tokens = issue_survey(app)
    client = app.test_client()
    saved = post_form(client, f"/s/{tokens[0]}", {"item-q01": "2", "action": "save"})
    assert saved.status_code == 302
    resumed = []
    loaded = models_loaded(app, lambda: resumed.append(app.test_client().get(f"/s/{tokens[0]}")))
    assert "Invitation" in loaded and "Response" in loaded
    checked = re.findall(r'<input type="radio" id="(item-q\d+-\d+)"[^>]*\schecked', resumed[0].get_data(as_text=True))
    assert checked == ["item-q01-2"]
    submitted = post_form(client, f"/s/{tokens[0]}", {**COMPLETE_ANSWERS, "action": "submit"})
    assert submitted.status_code == 302
    with app.app_context():
        invitation = db.session.scalar(select(Invitation).filter_by(token=tokens[0]))
        assert invitation.response.submitted and invitation.response.reference
    assert "问卷已提交" in client.get(submitted.headers["Location"]).get_data(as_text=True)
