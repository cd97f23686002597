"""`python -m leadflow.lifeline -- COMMAND...`: run a command for as long as the process
that started this one lives.

The starter keeps this process's standard input open; the kernel closes it when the
starter ends in any way, SIGKILL included. On end of input (or SIGTERM/SIGINT) the
command's whole process group gets SIGTERM, then SIGKILL after a grace period, so a local
Prefect server, or the API's worker processes, never outlive the LeadFlow command that
started them. A starter uses `guarded` and `release`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from types import FrameType
from typing import Any

GRACE_SECONDS = 15  # Prefect's server stops in 1-3 s on SIGTERM (measured); then SIGKILL


def guarded(command: list[str], **popen: Any) -> subprocess.Popen[bytes]:
    """Start `command` under a lifeline held by this process: it ends when this process
    ends, however it ends, or when `release` is called."""
    lifeline = [sys.executable, "-m", "leadflow.lifeline", "--", *command]
    return subprocess.Popen(lifeline, stdin=subprocess.PIPE, **popen)


def release(guard: subprocess.Popen[bytes], timeout: float = 60) -> int:
    """End a guarded command and wait for it: closing the lifeline's input is the signal."""
    if guard.stdin is not None and not guard.stdin.closed:
        guard.stdin.close()
    try:
        return guard.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        guard.kill()
        return guard.wait()


def stop(child: subprocess.Popen[bytes]) -> int:
    """End the child's process group: SIGTERM, then SIGKILL if it is still there."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            break
        try:
            return child.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            continue
    return child.wait()


def main(argv: list[str]) -> int:
    """Start the command in a process group of its own and watch standard input."""
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command:
        print("usage: python -m leadflow.lifeline -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    # Its own group: a terminal's Ctrl-C reaches the starter, which then closes our input.
    child = subprocess.Popen(command, start_new_session=True, stdin=subprocess.DEVNULL)

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        sys.exit(stop(child))

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def child_ended() -> None:  # the command stopped by itself: so do we
        os._exit(child.wait())

    threading.Thread(target=child_ended, daemon=True).start()
    while sys.stdin.buffer.read(4096):  # until end of input: the starter is gone
        pass
    return stop(child)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
