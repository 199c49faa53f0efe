"""Run one platform service: ``python -m common.run_service <name>``.

Configuration comes from the environment (:class:`common.settings.ServiceSettings`).
SIGTERM and SIGINT stop the service gracefully: running workers finish first.
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message="(?s).*Eventlet is deprecated")  # a known, accepted risk

import eventlet  # noqa: E402

eventlet.monkey_patch()  # must precede every other import that touches sockets

import argparse  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
from typing import Any  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from common import logs  # noqa: E402
from common.nameko_ext import dead_letter, replies  # noqa: E402
from common.nameko_ext.discovery import service_class  # noqa: E402
from common.settings import ServiceSettings  # noqa: E402

log = logging.getLogger(__name__)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name", help="service name, e.g. registry")
    name = parser.parse_args().name
    settings = ServiceSettings()
    logs.configure(name, settings.log_level)
    dead_letter.install()
    replies.install()
    runner = ServiceRunner(settings.nameko_config())
    runner.add_service(service_class(name))
    stop = eventlet.event.Event()

    def _on_signal(signum: int, frame: Any) -> None:
        if not stop.ready():
            stop.send(signum)

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    runner.start()
    log.info("service started", extra={"service": name, "ops_port": settings.ops_port})
    stop.wait()
    log.info("service stopping", extra={"service": name})
    runner.stop()


if __name__ == "__main__":
    main()
