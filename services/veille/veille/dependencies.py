"""Veille's nameko dependency providers that are not repositories: the notifier."""

from __future__ import annotations

import logging
from typing import Any

from nameko.extensions import DependencyProvider

from veille.adapters.notify import LogChannel, SmtpChannel
from veille.app.ports import Notice, Notifier
from veille.settings import from_config

log = logging.getLogger(__name__)


class Guarded:
    """A channel whose failure is logged, never the caller's: a notice lost does not undo the work done."""

    def __init__(self, channel: Notifier) -> None:
        self.channel = channel

    def send(self, notice: Notice) -> None:
        try:
            self.channel.send(notice)
        except Exception:
            log.exception("notification not sent", extra={"link": notice.link})


class NotifierProvider(DependencyProvider):
    """The configured channel (``VEILLE_NOTIFY_CHANNEL``: log or smtp)."""

    def setup(self) -> None:
        settings = from_config(self.container.config)
        channel: Notifier = LogChannel()
        if settings.notify_channel == "smtp":
            channel = SmtpChannel(settings.smtp_host, settings.smtp_port, settings.smtp_sender,
                                  settings.smtp_recipients, settings.smtp_timeout_seconds)  # fmt: skip
        self.notifier = Guarded(channel)

    def get_dependency(self, worker_ctx: Any) -> Notifier:
        return self.notifier
