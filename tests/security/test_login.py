"""Logging in as an attacker would try it: where the login sends you afterwards."""
from __future__ import annotations

import time
from urllib.parse import quote, urljoin, urlsplit

import pytest

from tests.conftest import BASE_URL, create_account, make_app, post_form

#: the classic bypasses of a "same site only" redirect check; each must land on this site
BYPASSES = [
    "//evil.example", "////evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "/\\/evil.example", "\\/evil.example", "%2F%2Fevil.example", "/%2F%2Fevil.example", "/%2f/evil.example",
    "/%5Cevil.example", "/%5C%5Cevil.example", "https:evil.example", "https:/evil.example",
    "https://evil.example", "http://evil.example/", "HTTPS://evil.example", "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example",
    "\t//evil.example", " //evil.example", "\x00//evil.example", "/%09/evil.example", "/%0d%0a/evil.example",
    "//evil.example@survey.example.test", "/@evil.example", "//%65vil.example", "\uff0f\uff0fevil.example",
    "/..//evil.example", "/.//evil.example", "//\\evil.example", "evil.example", "",
]


@pytest.fixture
def app(tmp_path):
    application = make_app(f"sqlite:///{tmp_path / 'login.db'}", RATELIMIT_ENABLED=False)
    from survey_service.extensions import db

    with application.app_context():
        db.create_all()
    return application


def login_location(app, target: str) -> str:
    email, password = "viewer@example.org", "correct horse battery"
    client = app.test_client()
    with app.app_context():
        from survey_service.auth.operations import find_user

        if find_user(email) is None:
            create_account(app, "viewer", email, password)
    response = post_form(client, "/login?next=" + quote(target, safe=""), {"email": email, "password": password},
                         page="/login")
    if "\x00" in target:  # no request may carry NUL characters (security.py): refused before the login
        assert response.status_code == 400
        return "/"
    assert response.status_code == 302
    return response.headers["Location"]


@pytest.mark.parametrize("target", BYPASSES, ids=[repr(target) for target in BYPASSES])
def test_the_login_redirect_never_leaves_the_site(app, target):
    location = login_location(app, target)
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location
    assert not any(ch in location for ch in "\t\r\n\x00")
    # as a browser resolves the Location header against the login page
    assert urlsplit(urljoin(BASE_URL + "/login", location)).netloc == urlsplit(BASE_URL).netloc


@pytest.mark.parametrize("target, expected", [
    ("/surveys/remote-edu-ops-2017/results?lang=en", "/surveys/remote-edu-ops-2017/results?lang=en"),
    ("/scorecards/3#total", "/scorecards/3#total"),
    ("/surveys/上海", "/surveys/%E4%B8%8A%E6%B5%B7"),
    ("////evil.example", "/"),
    ("/..//evil.example", "/evil.example"),
])
def test_a_path_of_the_site_is_kept(app, target, expected):
    assert login_location(app, target) == expected


def failed_login(app, email: str, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return post_form(client, "/login", {"email": email, "password": "not the password"})


def test_failed_logins_are_throttled_per_account_whatever_the_address(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'throttle.db'}", RATELIMIT_LOGIN_ACCOUNT="5 per hour")
    from survey_service.extensions import db

    with app.app_context():
        db.create_all()
    email, password = create_account(app, "viewer", "target@example.org")
    statuses = [failed_login(app, email, f"10.0.0.{n}").status_code for n in range(6)]
    assert statuses == [200] * 5 + [429]
    # the account is throttled, not the addresses: another account from the same address is still answered
    assert failed_login(app, "other@example.org", "10.0.0.1").status_code == 200
    # and the right password of a throttled account waits too (the throttle cannot tell who is typing)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 429


def test_a_successful_login_does_not_count_against_the_account(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'throttle.db'}", RATELIMIT_LOGIN_ACCOUNT="2 per hour")
    from survey_service.extensions import db

    with app.app_context():
        db.create_all()
    email, password = create_account(app, "viewer", "target@example.org")
    for n in range(4):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.1.{n}"
        assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302


def test_login_takes_as_long_for_an_unknown_account_as_for_a_wrong_password(app):
    email, _ = create_account(app, "viewer", "known@example.org")

    def slowest_of_three(address_email: str) -> float:
        timings = []
        for n in range(3):
            started = time.perf_counter()
            failed_login(app, address_email, f"10.0.2.{n}")
            timings.append(time.perf_counter() - started)
        return min(timings)

    known = slowest_of_three(email)
    unknown = slowest_of_three("nobody@example.org")
    # both pay for one password hash (tens of milliseconds); before, the unknown account answered ~20 times faster
    assert unknown > known / 2 and known > unknown / 2, (known, unknown)


def test_a_session_cookie_copied_to_another_address_or_browser_is_ended(app):
    email, password = create_account(app, "viewer", "viewer@example.org")
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR="10.0.3.1", HTTP_USER_AGENT="Firefox")
    assert post_form(client, "/login", {"email": email, "password": password}).status_code == 302
    assert client.get("/").status_code == 200
    cookie = client.get_cookie("session").value
    for address, agent in [("10.0.3.2", "Firefox"), ("10.0.3.1", "curl/8.0")]:
        thief = app.test_client()
        thief.environ_base.update(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
        thief.set_cookie("session", cookie)
        response = thief.get("/")
        assert response.status_code == 302 and "/login" in response.location
    same = app.test_client()
    same.environ_base.update(REMOTE_ADDR="10.0.3.1", HTTP_USER_AGENT="Firefox")
    same.set_cookie("session", cookie)
    assert same.get("/").status_code == 200
