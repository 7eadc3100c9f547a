"""The personal link: opening is recorded, every bad link gets the same page, guessing is throttled."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_service.extensions import db
from survey_service.surveys.models import Invitation
from survey_service.timestamps import utcnow
from tests.respond.conftest import invitation_of

CENTRE_A = {"REMOTE_ADDR": "10.1.1.1"}
CENTRE_B = {"REMOTE_ADDR": "10.2.2.2"}


def test_opening_the_link_shows_the_centres_questionnaire_and_records_the_first_opening(app, client, tokens, link):
    assert invitation_of(app, tokens[0]).opened_at is None
    page = client.get(link, headers={"Accept": "text/html", "Sec-Fetch-Mode": "navigate"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2017年度上海党员干部现代远程教育网络体系建设项目（运维）满意度调查问卷" in html
    assert "黄浦区 · 南京东路街道" in html
    assert html.count("<fieldset") == 6 and html.count('type="radio"') == 12 * 6
    assert 'maxlength="2000"' in html
    first = invitation_of(app, tokens[0]).opened_at
    assert first is not None
    client.get(link)
    assert invitation_of(app, tokens[0]).opened_at == first
    assert invitation_of(app, tokens[1]).opened_at is None


def test_every_radio_has_its_label_and_the_not_applicable_answer_stands_apart(client, link):
    html = client.get(link).get_data(as_text=True)
    assert 'id="item-q01-5"' in html and '<label for="item-q01-5"><span class="likert-option-text">非常满意' in html
    assert '<td class="likert-cell likert-na">' in html and '<label for="item-q01-0">' in html
    assert 'aria-describedby="item-q01-text"' in html


def test_unknown_revoked_and_malformed_links_get_one_identical_page(app, client, tokens):
    with app.app_context():
        db.session.scalar(select(Invitation).filter_by(token=tokens[1])).revoked_at = utcnow()
        db.session.commit()
    bad_links = [
        "/s/" + "A" * 43,  # well formed, unknown
        f"/s/{tokens[1]}",  # revoked
        f"/s/{tokens[0][:-1]}",  # one character short
        "/s/abc",  # too short to be a token
        "/s/" + "x" * 300,  # too long
        "/s/%E4%B8%AD%E6%96%87",  # not a token's alphabet
        "/s/..%2F..%2Fetc",
    ]
    pages = [client.get(url) for url in bad_links]
    assert {page.status_code for page in pages} == {404}
    assert len({page.get_data() for page in pages}) == 1
    assert "链接无效" in pages[0].get_data(as_text=True)
    assert client.get(f"/s/{tokens[0]}").status_code == 200


def test_failed_look_ups_are_throttled_per_address_and_valid_links_never(app, tokens):
    app.config["RATELIMIT_TOKEN_FAILURES"] = "3 per minute"
    client = app.test_client()
    unknown = "/s/" + "B" * 43
    for _ in range(3):
        assert client.get(unknown, environ_base=CENTRE_A).status_code == 404
    refused = client.get(unknown, environ_base=CENTRE_A)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 61
    assert "链接无效" not in refused.get_data(as_text=True)
    assert client.get("/s/short", environ_base=CENTRE_A).status_code == 429
    for _ in range(10):  # a district office behind one address keeps answering
        assert client.get(f"/s/{tokens[0]}", environ_base=CENTRE_A).status_code == 200
        assert client.get(f"/s/{tokens[1]}", environ_base=CENTRE_A).status_code == 200
    assert client.get(unknown, environ_base=CENTRE_B).status_code == 404


@pytest.mark.parametrize("suffix", ["", "/correction"])
def test_link_pages_are_kept_out_of_caches(client, link, suffix):
    response = client.get(link + suffix)
    assert response.headers["Cache-Control"] == "no-store"
