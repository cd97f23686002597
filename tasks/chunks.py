"""Whole-database jobs in chunks, one unit of work per chunk (the CLI's and demo's path;
the Prefect flows map the same chunk functions over tasks)."""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, TypeVar

from sqlalchemy import func, select

from leadflow.bootstrap import unit_of_work
from leadflow.followup.regrade import REGRADED_STATES
from leadflow.intake.claims import claim_new_lead_ids
from leadflow.intake.process import IntakeResult, process_new_leads
from leadflow.lifecycle import assign
from leadflow.rules.zones import AtWork
from leadflow.settings import get_rules, get_settings
from leadflow.store.db import normalise_url
from leadflow.store.models import Lead


def new_lead_ids(url: str | None = None) -> list[int]:
    """Ids of every lead still waiting for intake, oldest first."""
    with unit_of_work(url=url) as uow:
        return list(
            uow.session.scalars(select(Lead.id).where(Lead.state == "new").order_by(Lead.id))
        )


def count_new_leads(url: str | None = None) -> int:
    """How many leads are still waiting for intake."""
    with unit_of_work(url=url) as uow:
        return uow.session.scalar(select(func.count()).where(Lead.state == "new")) or 0


def claims_in_parallel(url: str | None = None) -> bool:
    """Whether several processes can claim work at once: PostgreSQL yes, SQLite (one
    writer at a time) no."""
    return not normalise_url(url or get_settings().database_url).startswith("sqlite")


T = TypeVar("T")
R = TypeVar("R", covariant=True)


class Pending(Protocol[R]):
    """A submitted chunk's future (Prefect's or concurrent.futures')."""

    def result(self) -> R: ...


def chunks_in_flight(url: str | None = None) -> int:
    """How many chunks of one job run at once: two on PostgreSQL, so one chunk's rules run
    in Python while the database writes the one before (measured, re-grade of 1M leads:
    57 s -> 51 s); one on SQLite, whose single writer would make them queue."""
    return 2 if claims_in_parallel(url) else 1


def id_pages(next_page: Callable[[int], list[int]], after: int = 0) -> Iterator[list[int]]:
    """Keyset pages of ids: `next_page(last id so far)` until it returns an empty page (flat
    memory at any size)."""
    while ids := next_page(after):
        yield ids
        after = ids[-1]


def overlapped(pages: Iterable[T], submit: Callable[[T], Pending[R]], depth: int) -> Iterator[R]:
    """Submit each page's chunk while up to `depth - 1` earlier ones still run, and yield
    their results in order."""
    running: deque[Pending[R]] = deque()
    for page in pages:
        running.append(submit(page))
        if len(running) >= depth:
            yield running.popleft().result()
    while running:
        yield running.popleft().result()


def chunks(ids: list[int], size: int) -> list[list[int]]:
    """Split ids into consecutive chunks of at most `size`."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def intake_chunk(
    ids: list[int], now: dt.datetime, url: str | None = None, actor: str = "intake"
) -> IntakeResult:
    """Screen, score, grade and assign one chunk in one transaction."""
    with unit_of_work(actor, url=url) as uow:
        result = process_new_leads(uow.session, ids, now, get_rules(), actor, claims_apart=True)
        uow.commit()
    return result


def claim_intake_chunk(
    limit: int, now: dt.datetime, url: str | None = None, actor: str = "intake"
) -> IntakeResult:
    """Claim up to `limit` new leads and process them in the claiming transaction; a
    processed count of 0 means nothing was left to claim."""
    with unit_of_work(actor, url=url) as uow:
        ids = claim_new_lead_ids(uow.session, limit)
        result = process_new_leads(uow.session, ids, now, get_rules(), actor, claims_apart=True)
        uow.commit()
    return result


def open_lead_ranges(parts: int, url: str | None = None) -> list[tuple[int, int]]:
    """Split the re-gradable leads into at most `parts` id ranges of about equal size."""
    with unit_of_work(url=url) as uow:
        ids = list(
            uow.session.scalars(
                select(Lead.id).where(Lead.state.in_(REGRADED_STATES)).order_by(Lead.id)
            )
        )
    step = max(1, -(-len(ids) // max(parts, 1)))
    return [(ids[i], ids[min(i + step, len(ids)) - 1]) for i in range(0, len(ids), step)]


def assign_queued(now: dt.datetime, url: str | None = None) -> int:
    """Give queued leads an owner where a rep is now eligible (the intake sweeper's retry);
    returns how many were assigned."""
    with unit_of_work("intake", url=url) as uow:
        assigned = assign.assign_queued(uow.session, now, get_rules())
        uow.commit()
    return len(assigned)


def escalate_queue(now: dt.datetime, url: str | None = None, working: AtWork | None = None) -> int:
    """Tell managers about leads waiting too long in their queue (with `working`, the queues of
    the teams at work); returns how many."""
    with unit_of_work("follow-up-reminders", url=url) as uow:
        count = assign.escalate_waiting(uow.session, now, get_rules(), working)
        uow.commit()
    return count


def process_pending(url: str | None = None, now: dt.datetime | None = None) -> IntakeResult:
    """Run intake on every `new` lead, a chunk at a time, then retry the manager queues."""
    when = now or dt.datetime.now(dt.UTC)
    size = get_settings().chunk_size
    result = IntakeResult.combine(
        [intake_chunk(part, when, url) for part in chunks(new_lead_ids(url), size)]
    )
    result.from_queue = assign_queued(when, url)
    return result
