"""SQLite writers wait in line for their turn (a kernel file lock beside the database)."""

from __future__ import annotations

import threading
import time

from leadflow.store.db import engine_for, writer_turn


def test_a_second_writer_waits_for_the_first(sqlite_url):
    engine = engine_for(sqlite_url)
    events: list[str] = []

    def second() -> None:
        with writer_turn(engine):
            events.append("second writes")

    with writer_turn(engine):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)
        events.append("first commits")
    thread.join(timeout=10)
    assert events == ["first commits", "second writes"]


def test_in_memory_sqlite_has_no_turns_to_take():
    engine = engine_for("sqlite://")
    with writer_turn(engine), writer_turn(engine):  # would block itself on a file lock
        pass
