"""A restart keeps the previous logs (issue 9, point 12): scripts/log_rotation.sh and its use.

``rotate_log`` is run for real in bash; then every log that scripts/platform.sh and
scripts/embedded_db.sh start a process on must be rotated first, never truncated.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def rotate(log: Path, times: int) -> None:
    for n in range(times):
        log.write_text(f"run {n}\n")
        subprocess.run(
            ["bash", "-c", f'source "{SCRIPTS / "log_rotation.sh"}" && LOG_KEEP=3 rotate_log "$0"', str(log)],
            check=True,
            stdin=subprocess.DEVNULL,
        )


def test_rotation_keeps_the_latest_runs_and_drops_the_oldest(tmp_path: Path) -> None:
    log = tmp_path / "registry.log"
    rotate(log, times=5)
    assert not log.exists()  # the next process writes a fresh log
    kept = {p.name: p.read_text() for p in tmp_path.iterdir()}
    assert kept == {"registry.log.1": "run 4\n", "registry.log.2": "run 3\n", "registry.log.3": "run 2\n"}


def test_rotating_a_missing_log_does_nothing(tmp_path: Path) -> None:
    rotate_missing = f'source "{SCRIPTS / "log_rotation.sh"}" && rotate_log "$0"'
    subprocess.run(["bash", "-c", rotate_missing, str(tmp_path / "none.log")], check=True, stdin=subprocess.DEVNULL)
    assert list(tmp_path.iterdir()) == []


def test_every_started_process_s_log_is_rotated_before_it_is_written() -> None:
    for script in ("platform.sh", "embedded_db.sh"):
        text = (SCRIPTS / script).read_text()
        truncated = re.findall(r' >"([^"]+)" 2>&1 &', text)  # a daemon started with its output to a log
        assert truncated, f"{script}: no started process found"
        for log in truncated:
            assert f'rotate_log "{log}"' in text, f"{script}: {log} is truncated at each start"
