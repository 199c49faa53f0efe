"""Name the processes, other than the caller's ancestors, that still write to the caller's output pipe.

A daemon that inherits the test run's stdout keeps the pipe open after `make test` ends, so whoever
reads it (CI) waits for an end of file that never comes. The test command calls this last and fails
if any such process is left.
"""

import os
import sys
from pathlib import Path


def ancestors(pid: int) -> set[int]:
    """This process and the chain of its parents."""
    chain = set()
    while pid > 1:
        chain.add(pid)
        status = Path(f"/proc/{pid}/status").read_text()
        pid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
    return chain


def writes(proc: Path, fd: str) -> bool:
    """Whether the descriptor is open for writing (a pipe's reader does not keep the writer waiting)."""
    info = (proc / "fdinfo" / fd).read_text().splitlines()
    flags = next(line for line in info if line.startswith("flags:"))
    return int(flags.split()[1], 8) & 0o3 != 0


def holders() -> list[str]:
    caller = os.getppid()
    pipes = {os.readlink(f"/proc/{caller}/fd/{fd}") for fd in (1, 2)}
    pipes = {target for target in pipes if target.startswith("pipe:")}
    ours = ancestors(os.getpid())
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) in ours:
            continue
        try:
            open_for_write = {os.readlink(fd) for fd in (proc / "fd").iterdir() if writes(proc, fd.name)}
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, StopIteration):
            continue  # gone meanwhile, or not ours to read
        if open_for_write & pipes:
            found.append(f"pid {proc.name}: {command[:200]}")
    return found


def main() -> int:
    found = holders()
    for line in found:
        print(f"a background process still holds the test run's output: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
