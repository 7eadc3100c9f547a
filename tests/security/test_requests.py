"""Requests no view should see, the proxy in front, cookies and rate limits."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from survey_service.extensions import db
from tests.conftest import create_account, log_in, make_app, post_form
from tests.security.conftest import signed_in


@pytest.mark.parametrize("method, path, data", [
    ("GET", "/surveys/%00", None),
    ("POST", "/surveys/%00/close", {}),
    ("GET", "/login?next=%00", None),
    ("GET", "/surveys/{key}/non-respondents?district=%00", None),
    ("GET", "/api/v1/surveys/%00/satisfaction", None),
    ("POST", "/rosters", {"name": "a\x00b"}),
    ("POST", "/admin/users/new", {"email": "a\x00@example.org", "role": "viewer", "password": "x" * 20}),
    ("POST", "/login", {"email": "\x00", "password": "\x00"}),
])
def test_nul_characters_are_a_bad_request_not_a_server_error(hostile, method, path, data):
    """PostgreSQL refuses NUL in text: left to the database, each of these was a 500."""
    app, objects = hostile
    client, csrf = signed_in(app)
    url = path.format(key=objects["key"])
    response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": csrf, **data})
    assert response.status_code == 400


def test_the_questionnaire_names_a_control_character_itself(hostile):
    """A centre's answers are checked by its form, which says which answer to fix (respond/forms.py)."""
    app, objects = hostile
    centre = app.test_client()
    link = f"/s/{objects['token']}"
    response = post_form(centre, link, {"open-suggestions": "意见\x00", "action": "save"})
    assert response.status_code == 422 and "控制字符" in response.get_data(as_text=True)


def test_session_cookie_flags(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'cookies.db'}")  # BASE_URL is https in the tests
    with app.app_context():
        db.create_all()
    email, password = create_account(app, "viewer")
    client = app.test_client()
    response = log_in(client, email, password)
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite"} <= flags and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_plain_http_sets_no_secure_cookie_and_no_hsts(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'http.db'}", BASE_URL="http://127.0.0.1:5000")
    with app.app_context():
        db.create_all()
    email, password = create_account(app, "viewer")
    response = log_in(app.test_client(), email, password)
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    assert "Secure" not in cookie and "HttpOnly" in cookie
    assert "Strict-Transport-Security" not in response.headers


def test_proxy_fix_trusts_the_configured_hops_only(tmp_path):
    """Behind one proxy the rate limits must see the client, not the proxy; without the setting nothing is trusted."""
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "HTTP_X_FORWARDED_PROTO": "https", "REMOTE_ADDR": "10.0.0.2"}
    seen = {}
    for hops in (0, 1):
        app = make_app(f"sqlite:///{tmp_path / f'proxy{hops}.db'}", PROXY_FIX_HOPS=hops)

        @app.get("/whoami")
        def whoami():
            from flask import request

            return {"address": request.remote_addr, "scheme": request.scheme}

        seen[hops] = app.test_client().get("/whoami", environ_base=forwarded).get_json()
    assert seen[0] == {"address": "10.0.0.2", "scheme": "http"}
    assert seen[1] == {"address": "203.0.113.9", "scheme": "https"}


def test_proxy_hops_come_from_the_environment(monkeypatch, tmp_path):
    from survey_service.config import from_environment

    monkeypatch.setenv("PROXY_FIX_HOPS", "2")
    assert from_environment(str(tmp_path))["PROXY_FIX_HOPS"] == 2


def test_rate_limits_are_on_by_default(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'limits.db'}")
    assert app.config["RATELIMIT_ENABLED"] is True
    with app.app_context():
        db.create_all()
    client = app.test_client()
    statuses = [post_form(client, "/login", {"email": "x@example.org", "password": "wrong"}).status_code
                for _ in range(11)]
    assert statuses[-1] == 429
    assert all(client.get(f"/s/{'x' * 43}{n}").status_code == 404 for n in range(20))
    assert client.get(f"/s/{'y' * 43}").status_code == 429
    # API bearer tokens: the same budget of failures per address, counted on their own
    guesses = [client.get("/api/v1/surveys", headers={"Authorization": f"Bearer guess-{n}"}) for n in range(21)]
    assert [r.status_code for r in guesses[:20]] == [401] * 20
    assert guesses[20].status_code == 429 and guesses[20].json["status"] == 429


def _api_client_with_token(tmp_path, **settings):
    """A test client of an app with the given limits and a viewer's API token (the token's secret)."""
    from survey_service.auth.operations import create_api_token, create_user

    app = make_app(f"sqlite:///{tmp_path / 'limits.db'}", **settings)
    with app.app_context():
        db.create_all()
        secret = create_api_token(create_user("report@example.org", "viewer", "correct horse battery"), "r")[1]
        db.session.commit()
    return app.test_client(), secret


def test_refused_tokens_are_throttled_while_a_valid_token_from_the_same_address_is_not(tmp_path):
    client, secret = _api_client_with_token(tmp_path, RATELIMIT_TOKEN_FAILURES="3 per minute")
    guesses = [client.get("/api/v1/surveys", headers={"Authorization": f"Bearer guess-{n}"}) for n in range(4)]
    assert [r.status_code for r in guesses] == [401, 401, 401, 429]
    # the window's end; Flask-Limiter's headers may say it from the API-wide limit's window, a second sooner
    assert 0 < int(guesses[3].headers["Retry-After"]) <= 60 and guesses[3].json["status"] == 429
    # the reporting script behind the same office address goes on reading; its success is not counted either
    valid = client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {secret}"})
    assert valid.status_code == 200 and "surveys" in valid.json
    assert client.get("/api/v1/surveys", headers={"Authorization": "Bearer one-more-guess"}).status_code == 429
    # a missing header is a refused token too
    assert client.get("/api/v1/surveys").status_code == 429


def test_the_api_wide_limit_counts_authenticated_requests_too(tmp_path):
    client, secret = _api_client_with_token(tmp_path, RATELIMIT_API="5 per minute")
    statuses = [client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {secret}"}).status_code
                for _ in range(6)]
    assert statuses == [200] * 5 + [429]


@pytest.mark.parametrize("path", ["/boom", "/api/v1/boom"])
def test_an_unexpected_error_is_a_plain_500(tmp_path, path):
    app = make_app(f"sqlite:///{tmp_path / 'boom.db'}")

    @app.get(path)
    def boom():
        raise RuntimeError("secret detail of the failure")

    response = app.test_client().get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret detail" not in body and "Traceback" not in body and "RuntimeError" not in body
    if path.startswith("/api/"):
        assert response.get_json() == {"error": "Internal Server Error", "status": 500}
    else:
        assert response.mimetype == "text/html" and response.headers["Content-Security-Policy"]


def test_control_characters_in_the_data_do_not_break_the_workbooks(hostile):
    """A review reason may hold a control character the browser sent; XLSX cannot store one (openpyxl raised: a 500)."""
    app, objects = hostile
    client, csrf = signed_in(app)
    decided = client.post(f"/surveys/{objects['key']}/responses/{objects['response_id']}/validity",
                          data={"csrf_token": csrf, "validity": "invalid", "reason": "重复\x01提交"})
    assert decided.status_code == 302
    workbook = client.get(f"/surveys/{objects['key']}/results/results.xlsx")
    assert workbook.status_code == 200
    reasons = [cell.value for sheet in load_workbook(io.BytesIO(workbook.data)) for row in sheet.iter_rows()
               for cell in row if isinstance(cell.value, str) and cell.value.startswith("重复")]
    assert reasons and all(reason == "重复\ufffd提交" for reason in reasons)
