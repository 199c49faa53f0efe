"""Veille's notification channels: e-mail through a real local SMTP server (aiosmtpd, in this process),
the log channel, and a channel failure that never undoes the work that sent it."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from veille.adapters.notify import LogChannel, SmtpChannel
from veille.app import notices
from veille.dependencies import Guarded


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802  # aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A local SMTP server on a thread of this process, stopped after the test."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_an_escalation_is_mailed_in_french_and_arabic_with_counts_and_a_link_only(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    channel = SmtpChannel("127.0.0.1", port, "veille@example.dz", ["cellule-16@example.dz"], timeout=5)
    channel.send(notices.escalated("/DZ/16", "wilaya", 3, "https://veille.example.dz"))
    (mail,) = inbox.messages
    assert mail["To"] == "cellule-16@example.dz" and mail["From"] == "veille@example.dz"
    assert "3 signalement(s)" in mail["Subject"] and "الولاية" in mail["Subject"]
    text = mail.get_content()
    assert "la wilaya" in text and "الولاية" in text and "https://veille.example.dz/signals?level=wilaya" in text


def test_no_recipient_sends_nothing(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    SmtpChannel("127.0.0.1", port, "veille@example.dz", []).send(notices.alerts(1, 0, "https://v"))
    assert inbox.messages == []


def test_a_failing_channel_is_logged_never_raised(caplog: pytest.LogCaptureFixture) -> None:
    down = SmtpChannel("127.0.0.1", free_port(), "veille@example.dz", ["x@example.dz"], timeout=2)
    with caplog.at_level(logging.ERROR):
        Guarded(down).send(notices.emergency(["/DZ/16"], "e-1", "https://v"))
    assert "notification not sent" in caplog.text


def test_the_log_channel_writes_the_subject_and_link(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="veille.notifications"):
        LogChannel().send(notices.escalated("/DZ", "ministry", 2, "https://v"))
    (record,) = caplog.records
    assert record.link == "https://v/signals?level=ministry"  # type: ignore[attr-defined]
    assert "le ministère" in record.subject_fr  # type: ignore[attr-defined]
