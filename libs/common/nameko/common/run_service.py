"""Run one platform service: ``python -m common.run_service <name>``.

Configuration comes from the environment (:class:`common.settings.ServiceSettings`).
SIGTERM and SIGINT stop the service gracefully: running workers finish first.

A service that cannot work must not linger as a live but dead process. nameko kills
its container on some failures it cannot handle (a reply it cannot publish while the
broker restarts); a broker or database out of reach at start-up makes the start fail.
Either way this process re-executes itself after a backoff (1 s doubling up to 30 s,
reset once a run lasted a minute), so the service comes back by itself when its
dependencies do, with or without a supervisor.
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message="(?s).*Eventlet is deprecated")  # a known, accepted risk

import eventlet  # noqa: E402

eventlet.monkey_patch()  # must precede every other import that touches sockets

import argparse  # noqa: E402
import contextlib  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from common import logs  # noqa: E402
from common.nameko_ext import dead_letter, replies  # noqa: E402
from common.nameko_ext.discovery import service_class  # noqa: E402
from common.settings import ServiceSettings  # noqa: E402

log = logging.getLogger(__name__)

RESTARTS_ENV = "RUN_SERVICE_RESTARTS"  # consecutive quick restarts, carried across re-executions
FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
STABLE_AFTER_SECONDS = 60.0
POLL_SECONDS = 0.2


def backoff_seconds(restarts: int) -> float:
    """The pause before restart number ``restarts + 1``: 1, 2, 4, … capped at 30 s."""
    return min(FIRST_BACKOFF_SECONDS * 2 ** min(restarts, 10), MAX_BACKOFF_SECONDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name", help="service name, e.g. registry")
    name = parser.parse_args().name
    settings = ServiceSettings()
    logs.configure(name, settings.log_level)
    dead_letter.install()
    replies.install()
    started_at = time.monotonic()
    stop = eventlet.event.Event()
    died = eventlet.event.Event()

    def _on_signal(signum: int, frame: Any) -> None:
        if not stop.ready():
            stop.send(signum)

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    runner = ServiceRunner(settings.nameko_config())
    runner.add_service(service_class(name))
    starting = eventlet.spawn(runner.start)  # waits for the broker while it is away
    while not stop.ready() and not starting.dead:
        eventlet.sleep(POLL_SECONDS)
    if stop.ready():  # stopped before it ever started
        starting.kill()
        with contextlib.suppress(Exception):
            runner.kill()
        return
    try:
        starting.wait()
    except Exception as exc:  # noqa: BLE001 - whatever stops the start, try again later
        log.error("service could not start", extra={"service": name, "error": type(exc).__name__})
        with contextlib.suppress(Exception):
            runner.kill()
        _restart_later(name, started_at, stop)
        return

    def _watch() -> None:
        try:
            runner.wait()
        except Exception as exc:  # noqa: BLE001 - the container died; its cause is logged by nameko
            died.send(type(exc).__name__)

    eventlet.spawn(_watch)
    log.info("service started", extra={"service": name, "ops_port": settings.ops_port})
    while not stop.ready() and not died.ready():
        eventlet.sleep(POLL_SECONDS)
    if stop.ready():
        log.info("service stopping", extra={"service": name})
        runner.stop()
        return
    log.error("service container died", extra={"service": name, "error": died.wait()})
    _restart_later(name, started_at, stop)


def _restart_later(name: str, started_at: float, stop: eventlet.event.Event) -> None:
    """Re-execute this process after a backoff, unless a stop signal comes first."""
    restarts = int(os.environ.get(RESTARTS_ENV, "0"))
    if time.monotonic() - started_at >= STABLE_AFTER_SECONDS:
        restarts = 0
    delay = backoff_seconds(restarts)
    log.warning("service restarting", extra={"service": name, "in_seconds": delay, "restarts": restarts + 1})
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline:
        if stop.ready():
            log.info("service stopping", extra={"service": name})
            return
        eventlet.sleep(POLL_SECONDS)
    os.environ[RESTARTS_ENV] = str(restarts + 1)
    logging.shutdown()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


if __name__ == "__main__":
    main()
