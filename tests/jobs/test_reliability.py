"""Reliability of the mail batches (docs/reliability.md): a worker SIGKILLed mid-batch, Redis stopped mid-batch.

Each test sends the invitation to the 221 centres of the Shanghai roster through a real SMTP server on loopback
and counts what arrived: every centre exactly once, except at most one repeat per kill, and none skipped.
"""
from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from survey_service.extensions import db
from survey_service.jobs.models import Job, JobState
from survey_service.mail.models import MailDelivery
from survey_service.mail.operations import start_batch
from survey_service.roster.models import RosterUnit
from survey_service.surveys.models import Survey
from tests.conftest import create_account, log_in, post_form

CENTRES = 221
#: every test ends within this many seconds of waiting
PATIENCE = 120


def all_addresses(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(RosterUnit.contact_email)))


def start(app, survey_key: str, kind: str = "invitation") -> int:
    with app.app_context():
        batch = start_batch(db.session.scalar(select(Survey).filter_by(key=survey_key)), kind, None)
        db.session.commit()
        return batch.job_id


def wait_until(condition, what: str, timeout: float = PATIENCE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.05)


def job_state(app, job_id: int) -> JobState:
    with app.app_context():
        state = db.session.scalar(select(Job.state).where(Job.id == job_id))
        db.session.remove()
        return state


def assert_each_centre_once(app, received: list[str], kills: int, kind: str = "invitation") -> None:
    counts = Counter(received)
    assert set(counts) == all_addresses(app), "a centre was skipped"
    repeats = sum(count - 1 for count in counts.values())
    assert repeats <= kills, f"{repeats} repeated e-mails after {kills} kills: {counts.most_common(3)}"
    with app.app_context():
        assert db.session.scalar(select(func.count(MailDelivery.id)).where(
            MailDelivery.kind == kind, MailDelivery.status == "sent")) == CENTRES


def test_a_worker_killed_mid_batch_twice_skips_nobody_and_repeats_at_most_one_per_kill(app, issued_survey):
    mailbox, worker = app.extensions["test_mailbox"], app.extensions["test_worker"]
    mailbox.delay = 0.01
    job_id = start(app, issued_survey)
    kills = 0
    for stop_at in (40, 120):
        process = worker()
        process.start()
        wait_until(lambda: len(mailbox.messages) >= stop_at, f"{stop_at} e-mails")
        process.kill()
        kills += 1
        assert len(mailbox.messages) < CENTRES, "the batch finished before the kill; slow the server down"
        assert job_state(app, job_id) is JobState.running  # left behind by the dead worker
    worker().start()
    wait_until(lambda: job_state(app, job_id) is JobState.done, "the batch to finish")
    assert_each_centre_once(app, mailbox.recipients, kills)


@pytest.mark.parametrize("mode", ["redis"])
def test_redis_stopped_mid_batch_pages_keep_serving_and_the_work_resumes(app, issued_survey, redis_server, client):
    mailbox, worker = app.extensions["test_mailbox"], app.extensions["test_worker"]
    email, password = create_account(app, "evaluator")
    assert log_in(client, email, password).status_code == 302
    mailbox.delay = 0.01
    worker().start()
    invitations = start(app, issued_survey)
    wait_until(lambda: len(mailbox.messages) >= 30, "30 e-mails")
    redis_server.stop()
    mail_page = f"/surveys/{issued_survey}/mail"
    for page in ("/", "/jobs", mail_page):
        assert client.get(page).status_code == 200, page
    # a batch started while Redis is down is recorded and waits; nothing is lost
    response = post_form(client, f"{mail_page}/reminder", {}, page=mail_page)
    assert response.status_code == 302 and "/mail/batches/" in response.location
    assert client.get(response.location).status_code == 200
    with app.app_context():
        reminders = db.session.scalar(select(Job.id).order_by(Job.id.desc()))
    time.sleep(1)
    redis_server.start()
    wait_until(lambda: job_state(app, invitations) is JobState.done, "the invitations to finish")
    wait_until(lambda: job_state(app, reminders) is JobState.done, "the reminders to go out")
    received = Counter((m["To"], m["Subject"].startswith("【提醒】")) for m in mailbox.messages)
    assert {to for to, _ in received} == all_addresses(app)
    assert set(received.values()) == {1}, "an e-mail went out twice without any kill"
    assert len(received) == 2 * CENTRES
