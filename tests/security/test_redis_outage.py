"""Redis stopped while the service runs: logins, personal links and the API keep answering, the rate limits go on
counting in the process's memory, and /healthz says "degraded".

A redis-server of the test's own, on a spare loopback port, is started and then stopped (never the shared one).
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis
from sqlalchemy import select

from survey_service.auth.models import Role
from survey_service.auth.operations import create_api_token, create_user
from survey_service.extensions import db
from survey_service.surveys.models import Invitation
from tests.conftest import csrf_token, make_app
from tests.respond.conftest import issue_survey

PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_redis():
    """(url, process) of a redis-server started for this test alone."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (scripts/test installs it)"
    port = free_port()
    process = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.2).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "the test's redis-server did not start"
            time.sleep(0.05)
    yield url, process
    if process.poll() is None:
        process.terminate()
        process.wait(10)


@pytest.fixture
def served(tmp_path, own_redis):
    url, process = own_redis
    app = make_app(f"sqlite:///{tmp_path / 'outage.db'}", REDIS_URL=url, RATELIMIT_STORAGE_URI=url)
    with app.app_context():
        db.create_all()
    tokens = issue_survey(app)
    with app.app_context():
        create_user("evaluator@example.org", Role.evaluator.value, PASSWORD)
        user = create_user("report@example.org", Role.viewer.value, PASSWORD)
        secret = create_api_token(user, "scoring report")[1]
        db.session.commit()
        assert db.session.scalar(select(Invitation.token).filter_by(token=tokens[0])) == tokens[0]
    yield app, process, tokens[0], secret
    with app.app_context():
        db.engine.dispose()


def everything_answers(app, link_token: str, secret: str) -> None:
    """A login (right and wrong), a personal link (right and wrong) and the API (right and wrong token)."""
    browser = app.test_client()
    token = csrf_token(browser, "/login")
    wrong = browser.post("/login", data={"csrf_token": token, "email": "evaluator@example.org", "password": "nope"})
    assert wrong.status_code == 200 and "邮箱或密码不正确" in wrong.get_data(as_text=True)
    right = browser.post("/login", data={"csrf_token": token, "email": "evaluator@example.org", "password": PASSWORD})
    assert right.status_code == 302
    assert browser.get("/").status_code == 200
    centre = app.test_client()
    assert centre.get(f"/s/{link_token}").status_code == 200
    assert centre.get("/s/" + "x" * 43).status_code == 404
    api = app.test_client()
    url = "/api/v1/surveys/remote-edu-ops-2017/satisfaction"
    assert api.get(url, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert api.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_with_redis_stopped_mid_test_everything_keeps_answering_and_health_says_degraded(served):
    app, process, link_token, secret = served
    client = app.test_client()
    assert client.get("/healthz").json == {"status": "ok", "database": "ok", "redis": "ok"}
    everything_answers(app, link_token, secret)

    process.terminate()
    process.wait(10)

    started = time.monotonic()
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json == {"status": "degraded", "database": "ok", "redis": "unreachable"}
    everything_answers(app, link_token, secret)
    assert time.monotonic() - started < 10


def test_without_redis_the_limits_count_in_the_process(served):
    app, process, _, _ = served
    process.terminate()
    process.wait(10)
    client = app.test_client()
    token = csrf_token(client, "/login")
    statuses = [client.post("/login", data={"csrf_token": token, "email": f"n{n}@example.org",
                                            "password": "wrong password"}).status_code for n in range(11)]
    assert statuses == [200] * 10 + [429]


def test_failed_look_ups_of_personal_links_are_counted_in_redis_then_in_the_process(served, caplog):
    """Failed look-ups count in Redis while it answers; with Redis stopped they go on counting in the process, so
    guessing is still throttled, and a valid link still opens."""
    app, process, link_token, _ = served
    app.config["RATELIMIT_TOKEN_FAILURES"] = "4 per minute"
    guesser = {"REMOTE_ADDR": "198.51.100.7"}
    client = app.test_client()
    unknown = "/s/" + "G" * 43
    assert [client.get(unknown, environ_base=guesser).status_code for _ in range(2)] == [404, 404]
    assert redis.Redis.from_url(app.config["REDIS_URL"]).keys("*personal-link*198.51.100.7*")
    process.terminate()
    process.wait(10)
    statuses = [client.get(unknown, environ_base=guesser).status_code for _ in range(5)]
    assert statuses == [404] * 4 + [429]
    assert "counted in this process" in caplog.text
    assert client.get(f"/s/{link_token}", environ_base=guesser).status_code == 200
