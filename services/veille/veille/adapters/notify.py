"""Notification channels: the log (default) and e-mail through SMTP. A notice holds counts and a link only."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage

from veille.app.ports import Notice

log = logging.getLogger("veille.notifications")


class LogChannel:
    """Writes each notice to the service's log (what a deployment without SMTP gets)."""

    def send(self, notice: Notice) -> None:
        log.info(
            "notification",
            extra={"subject_fr": notice.subject_fr, "subject_ar": notice.subject_ar, "link": notice.link,
                   "audience": notice.audience},
        )  # fmt: skip


class SmtpChannel:
    """Sends each notice as one bilingual e-mail (French, then Arabic) to the configured recipients."""

    def __init__(self, host: str, port: int, sender: str, recipients: Sequence[str], timeout: float = 10) -> None:
        self.host, self.port, self.sender, self.recipients, self.timeout = (
            host,
            port,
            sender,
            tuple(recipients),
            timeout,
        )

    def send(self, notice: Notice) -> None:
        if not self.recipients:
            return
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["Subject"] = f"{notice.subject_fr} / {notice.subject_ar}"
        message.set_content(f"{notice.body_fr}\n{notice.link}\n\n{notice.body_ar}\n{notice.link}\n")
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)
