"""GET /api/v1/surveys/<key>/satisfaction: tokens, the document, ETags, errors."""
import json

import pytest
from sqlalchemy import select

from survey_service.auth.models import ApiToken, User
from survey_service.extensions import db
from survey_service.responses.models import Response
from survey_service.responses.models import Validity
from survey_service.responses.operations import decide_validity, save_answers
from survey_service.surveys.models import Invitation
from survey_service.timestamps import utcnow

URL = "/api/v1/surveys/remote-edu-ops-2017/satisfaction"
SPEC_KEYS = {"schema", "survey", "generated_at", "snapshot", "scoring", "counts", "ci_method", "overall",
             "dimensions", "nonresponse_bounds", "highest", "lowest", "reliability", "groups", "indicator"}
ITEMS = [f"q{n:02d}" for n in range(1, 13)]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "bearer "])
def test_without_a_valid_token_the_answer_is_401(demo_client, header):
    response = demo_client.get(URL, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json == {"error": "a valid API token is required", "status": 401}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_document_matches_the_cli_and_the_spec(demo_app, demo_client, demo_bearer):
    response = demo_client.get(URL, headers=demo_bearer)
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.json
    assert SPEC_KEYS <= set(document)
    assert document["schema"] == "satisfaction/v1" and document["counts"]["issued"] == 221
    cli = json.loads(demo_app.test_cli_runner().invoke(args=["analyze", "--survey", "remote-edu-ops-2017",
                                                             "--json"]).stdout)
    assert cli["snapshot"] == document["snapshot"] and cli["overall"] == document["overall"]
    assert document["indicator"]["code"] == "C4-1"


def test_unknown_survey_and_grouping_column(demo_client, demo_bearer):
    missing = demo_client.get("/api/v1/surveys/nope/satisfaction", headers=demo_bearer)
    assert missing.status_code == 404 and missing.json["status"] == 404
    bad = demo_client.get(URL + "?group_by=colour", headers=demo_bearer)
    assert bad.status_code == 422
    assert bad.json["problems"] == ['group_by: the roster of survey remote-edu-ops-2017 has no column "colour"']
    by_kind = demo_client.get(URL + "?group_by=kind", headers=demo_bearer)
    assert {row["group"] for row in by_kind.json["groups"]["rows"]} >= {"街道", "镇"}


def test_survey_list(demo_client, demo_bearer):
    listing = demo_client.get("/api/v1/surveys", headers=demo_bearer).json["surveys"]
    assert {s["key"]: s["status"] for s in listing} == {"remote-edu-ops-2016": "closed",
                                                        "remote-edu-ops-2017": "closed",
                                                        "remote-edu-ops-2025": "open"}


def test_openapi_document_is_public_and_describes_the_document(demo_client):
    document = demo_client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/surveys/{key}/satisfaction" in document["paths"]


def submit(app, count: int) -> None:
    with app.app_context():
        for invitation in db.session.scalars(select(Invitation).order_by(Invitation.id).limit(count)):
            save_answers(invitation, dict(zip(ITEMS, [5, 4, 3, 4] * 3)), {}, submit=True)
        db.session.commit()


def test_etag_gives_304_until_a_figure_changes(app, client, issued_survey, bearer):
    submit(app, 3)
    first = client.get(URL, headers=bearer)
    etag = first.headers["ETag"]
    again = client.get(URL, headers={**bearer, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    with app.app_context():
        reviewer = db.session.scalar(select(User))
        decide_validity(db.session.scalar(select(Response).limit(1)), Validity.invalid, "同一人代填多份问卷", reviewer)
        db.session.commit()
    changed = client.get(URL, headers={**bearer, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert (first.json["counts"]["valid"], changed.json["counts"]["valid"]) == (3, 2)
    assert changed.json["snapshot"] != first.json["snapshot"]


def test_revoked_token_and_inactive_user_are_refused(app, client, issued_survey, bearer):
    assert client.get(URL, headers=bearer).status_code == 200
    with app.app_context():
        db.session.scalar(select(ApiToken)).revoked_at = utcnow()
        db.session.commit()
    assert client.get(URL, headers=bearer).status_code == 401
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        token.revoked_at = None
        token.user.active = False
        db.session.commit()
    assert client.get(URL, headers=bearer).status_code == 401


def test_no_valid_response_still_gives_a_document(client, issued_survey, bearer):
    document = client.get(URL, headers=bearer).json
    assert document["overall"]["index"] is None and document["counts"]["valid"] == 0
    assert document["indicator"]["score"] is None


def test_cli_token_reads_the_api(app, client, runner, issued_survey):
    assert runner.invoke(args=["user", "create", "--email", "report@example.org", "--role", "viewer"],
                         input="a long enough password\n").exit_code == 0
    result = runner.invoke(args=["user", "token", "--email", "report@example.org", "--name", "scoring report"])
    assert result.exit_code == 0, result.stderr
    secret = result.stdout.strip()
    assert len(secret) >= 43 and "shown only this once" in result.stderr
    assert client.get(URL, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    unknown = runner.invoke(args=["user", "token", "--email", "nobody@example.org", "--name", "x"])
    assert unknown.exit_code == 2 and unknown.stderr.strip() == "email: no account nobody@example.org"
