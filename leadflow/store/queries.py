"""Queries the API, the CLI and the tasks share: the lead list's filters and sort orders,
keyset pages, when the first lead arrived, the leads waiting for intake and id ranges to
split a job by (no entry point or task builds SQL of its own)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput
from leadflow.phrases import N_
from leadflow.rules.vocab import Grade, Priority, State
from leadflow.store.models import Lead, SalesRep
from leadflow.store.outbound_models import QuarantinedRecord
from leadflow.store.winmodel_models import LeadWinScore

# Any select, of any columns: a filter keeps the columns it was given.
AnySelect = TypeVar("AnySelect", bound="Select[Any]")

# Highest first; ties by the channel ranking, then newest first. Leads without a win
# probability come last.
LEAD_SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "newest": (Lead.id.desc(),),
    "score": (Lead.score.desc(),),
    "win-probability": (LeadWinScore.probability.desc().nulls_last(),),
}


def channel_rank(ranking: Sequence[str]) -> ColumnElement[int]:
    """A lead's place in the channel ranking (`channels.priority`): 0 for the first
    channel, and one past the last for every channel the ranking leaves out."""
    if not ranking:
        return literal(0)
    return case({c: i for i, c in enumerate(ranking)}, value=Lead.source, else_=len(ranking))


@dataclass(frozen=True)
class LeadFilter:
    """Which leads a list shows: by state, owner, grade, priority or sub-stage; `rep_id` limits a
    rep's own view to the leads they own, `created_by_key` a system key's to those it created."""

    state: str | None = None
    owner: int | None = None
    grade: str | None = None
    priority: str | None = None
    rep_id: int | None = None
    sub_stage: str | None = None  # the stage inside a deal (seed 001), as configured
    created_by_key: int | None = None  # a system key's view: the leads it created
    team_id: int | None = None  # the workbench's pipeline filters by team and source too
    source: str | None = None

    def check(self, session: Session) -> None:
        """Refuse a filter no lead could match by its nature (a state, grade or priority
        that does not exist, an owner who is no rep), naming the field and quoting the value:
        an empty list would read as "none of those"."""
        for name, value, known in (
            ("state", self.state, State),
            ("grade", self.grade, Grade),
            ("priority", self.priority, Priority),
        ):
            if value is not None and value not in {k.value for k in known}:
                allowed = ", ".join(k.value for k in known)
                raise InvalidInput(
                    N_(
                        "{field}: {value} is not one of {values}",
                        field=name,
                        value=repr(value),
                        values=allowed,
                    ),
                    {name: value},
                )
        # 2**63 - 1: the largest id a BIGINT holds (PostgreSQL refuses a larger one outright)
        if self.owner is not None and (
            not 1 <= self.owner < 2**63 or session.get(SalesRep, self.owner) is None
        ):
            raise InvalidInput(
                N_("owner: {owner} is no rep's id", owner=repr(self.owner)),
                {"owner": N_("no rep {owner}", owner=self.owner)},
            )

    def apply(self, query: AnySelect) -> AnySelect:
        """`query` with this filter's conditions added."""
        for column, value in (
            (Lead.state, self.state),
            (Lead.owner_id, self.owner),
            (Lead.grade, self.grade),
            (Lead.priority, self.priority),
            (Lead.owner_id, self.rep_id),
            (Lead.sub_stage, self.sub_stage),
            (Lead.created_by_key, self.created_by_key),
            (Lead.team_id, self.team_id),
            (Lead.source, self.source),
        ):
            if value is not None:
                query = query.where(column == value)
        return query


def sorted_leads(
    session: Session,
    where: LeadFilter,
    sort: str = "newest",
    limit: int = 50,
    ranking: Sequence[str] = (),
) -> list[tuple[Lead, float | None]]:
    """Up to `limit` leads with their win probability, in one of LEAD_SORTS' orders; leads
    tied on it come in the order of `ranking` (the channels), then newest first."""
    if sort not in LEAD_SORTS:
        raise InvalidInput(
            N_("sort: {sort!r} is not one of {sorts}", sort=sort, sorts=", ".join(LEAD_SORTS)),
            {"sort": sort},
        )
    where.check(session)
    query = (
        select(Lead, LeadWinScore.probability)
        .outerjoin(LeadWinScore, LeadWinScore.lead_id == Lead.id)
        .order_by(*LEAD_SORTS[sort], channel_rank(ranking), Lead.id.desc())
        .limit(limit)
    )
    return [(lead, p) for lead, p in session.execute(where.apply(query))]


def keyset(
    session: Session, query: Select[Any], id_column: Any, cursor: int | None, limit: int
) -> tuple[list[Any], int | None]:
    """One page of a query in id order: rows after `cursor`, at most `limit`, and the
    cursor of the next page (None at the end)."""
    if cursor is not None:
        query = query.where(id_column > cursor)
    rows = list(session.scalars(query.order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)


def lead_page(
    session: Session, where: LeadFilter, cursor: int | None, limit: int
) -> tuple[list[Lead], int | None]:
    """One keyset page of the filtered leads in id order (the API's list)."""
    where.check(session)
    return keyset(session, where.apply(select(Lead)), Lead.id, cursor, limit)


def quarantine_page(
    session: Session, replayed: bool | None, cursor: int | None, limit: int
) -> tuple[list[QuarantinedRecord], int | None]:
    """One keyset page of rejected payloads, oldest first: all of them, or only those
    replayed (True) or still waiting (False)."""
    query = select(QuarantinedRecord)
    if replayed is not None:
        column = QuarantinedRecord.replayed_lead_id
        query = query.where(column.is_not(None) if replayed else column.is_(None))
    return keyset(session, query, QuarantinedRecord.id, cursor, limit)


def first_lead_created(session: Session) -> dt.datetime | None:
    """When the oldest lead was created (None in a database without leads): the start of
    the pipeline's past, before which no run can be made as of."""
    return session.scalar(select(func.min(Lead.created_at)))


def new_lead_ids(session: Session) -> list[int]:
    """Ids of every lead still waiting for intake (`new`), oldest first."""
    query = select(Lead.id).where(Lead.state == State.new.value).order_by(Lead.id)
    return list(session.scalars(query))


def count_new_leads(session: Session) -> int:
    """How many leads are still waiting for intake."""
    return session.scalar(select(func.count()).where(Lead.state == State.new.value)) or 0


def lead_id_ranges(session: Session, states: Collection[str], parts: int) -> list[tuple[int, int]]:
    """The leads in `states` split into at most `parts` id ranges (first id, last id, both
    included) of about equal size, in id order."""
    ids = list(session.scalars(select(Lead.id).where(Lead.state.in_(states)).order_by(Lead.id)))
    step = max(1, -(-len(ids) // max(parts, 1)))
    return [(ids[i], ids[min(i + step, len(ids)) - 1]) for i in range(0, len(ids), step)]
