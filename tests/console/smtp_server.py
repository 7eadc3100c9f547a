"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and can refuse recipients with 550."""
from __future__ import annotations

import asyncio
import email
import socket
import time
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from survey_service.extensions import db
from survey_service.jobs.models import Job, JobState
from survey_service.mail.models import MailBatch


class Mailbox:
    """The aiosmtpd handler: parsed messages in arrival order; ``refusing`` answers every RCPT with 550,
    ``deferring`` answers that many RCPTs with 451 first; ``delay`` slows each DATA (to kill a sender mid-batch)."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.refusing = False
        self.deferring = 0
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            return "550 5.1.1 Mailbox unavailable"
        if self.deferring > 0:
            self.deferring -= 1
            return "451 4.3.0 Temporary local problem, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    @property
    def recipients(self) -> list[str]:
        return [message["To"] for message in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_smtp(app, *, configure: bool = True):
    """Start a Mailbox on a free loopback port and (``configure``) point the app's SMTP settings at it, as the
    environment would; without, the server waits to be entered on the console's mail settings page."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    if configure:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TLS="none", SMTP_USER=None,
                          MAIL_FROM="pingjia@example.org")
    return controller, mailbox


@pytest.fixture
def smtp(app):
    controller, mailbox = serve_smtp(app)
    yield mailbox
    controller.stop()


def wait_for_batches(app, timeout: float = 30.0) -> list[MailBatch]:
    """Every mail batch once all have finished: their jobs done or failed (the worker commits as it goes)."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            batches = db.session.scalars(select(MailBatch).order_by(MailBatch.id)).all()
            states = db.session.scalars(select(Job.state).join(MailBatch, MailBatch.job_id == Job.id)).all()
            if batches and len(states) == len(batches) and all(
                    state in (JobState.done, JobState.failed) for state in states):
                return batches
        assert time.monotonic() < deadline, "mail batch did not finish"
        time.sleep(0.1)
