"""Helper processes a benchmark starts (an echo server, a gateway of its own) and must stop."""

from __future__ import annotations

import subprocess


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate ``proc``, killing it if it has not ended within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
