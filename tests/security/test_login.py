"""Logging in as an attacker would try it: where the login sends you afterwards."""
from __future__ import annotations

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
