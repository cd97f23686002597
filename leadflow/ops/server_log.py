"""The local Prefect server's log: appended to by `serve`, `run` and `demo`, scanned by
`leadflow status` for the errors of its scheduler and database."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from pydantic import BaseModel

SERVER_LOG_DATEFMT = "%Y-%m-%dT%H:%M:%S%z"
KEPT_BYTES = 20 * 2**20  # a longer log is moved to <log>.1 when the next server starts


@contextmanager
def open_server_log(path: Path | None, port: int) -> Iterator[IO[bytes] | int]:
    """The file a starting server writes to (appended, a header line first), or DEVNULL
    without a path; the server keeps its own copy of the handle."""
    if path is None:
        yield subprocess.DEVNULL
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size > KEPT_BYTES:
        os.replace(path, path.with_name(path.name + ".1"))
    with path.open("ab") as handle:
        started = dt.datetime.now(dt.UTC).astimezone().strftime(SERVER_LOG_DATEFMT)
        line = f"{started}.000 | INFO    | leadflow - Prefect server starting on port {port}\n"
        handle.write(line.encode())
        handle.flush()
        yield handle


TAIL_BYTES = 4 * 2**20  # the part of the log scanned: hours of a failing scheduler's errors
_RECORD = re.compile(
    r"^(?P<at>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4})\.\d{3} \| (?P<level>[A-Z]+)\s*\| "
    r"(?P<logger>\S+) - (?P<message>.*)$"
)
_ERROR_LEVELS = ("ERROR", "CRITICAL")
# What a server stopping prints (its task-run recorder's cancelled loop), not a fault.
_SHUTDOWN_NOISE = re.compile(r"^([\w.]+\.)?CancelledError\b")


class LogError(BaseModel):
    """Errors of one kind in the server's log: logger, message, the exception's last line,
    how often, and first and last time."""

    logger: str
    message: str
    exception: str | None
    count: int
    first_at: dt.datetime
    last_at: dt.datetime

    def describe(self) -> str:
        """One line: who, what, how often, when last."""
        what = f"{self.message}: {self.exception}" if self.exception else self.message
        return (
            f"{self.logger}: {what} ({self.count}x, last at "
            f"{self.last_at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC)"
        )


def _tail(path: Path) -> list[str]:
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - TAIL_BYTES))
        lines = handle.read().decode("utf-8", errors="replace").splitlines()
    return lines[1:] if size > TAIL_BYTES else lines  # the first may be cut


def _records(lines: list[str]) -> Iterator[tuple[dt.datetime, str, str, str, list[str]]]:
    """(time, level, logger, message, the lines that follow it) of each record."""
    current: tuple[dt.datetime, str, str, str, list[str]] | None = None
    for line in lines:
        found = _RECORD.match(line)
        if found is None:
            if current is not None and line.strip():
                current[4].append(line.strip())
            continue
        if current is not None:
            yield current
        at = dt.datetime.strptime(found["at"], "%Y-%m-%dT%H:%M:%S%z")
        current = (at, found["level"], found["logger"], found["message"].strip(), [])
    if current is not None:
        yield current


def scan_errors(path: Path, since: dt.datetime) -> list[LogError]:
    """The ERROR and CRITICAL records logged at or after `since` in the log's tail,
    grouped by logger and exception (timings stripped from the message), newest last."""
    if not path.is_file():
        return []
    found: dict[tuple[str, str], LogError] = {}
    for at, level, logger, message, rest in _records(_tail(path)):
        if at < since or level not in _ERROR_LEVELS:
            continue
        exception = rest[-1] if rest else None
        if exception and _SHUTDOWN_NOISE.match(exception):
            continue
        message = _TIMING.sub("", message).strip()
        key = (logger, exception or message)
        if key in found:
            seen = found[key]
            seen.count, seen.last_at = seen.count + 1, at
        else:
            found[key] = LogError(
                logger=logger,
                message=message,
                exception=exception,
                count=1,
                first_at=at,
                last_at=at,
            )
    return sorted(found.values(), key=lambda e: e.last_at)


_TIMING = re.compile(r"[↩↪]?\s*\[\s*\d+(\.\d+)?m?s\]")
