"""Setting an account's tier and follow-up group, listing accounts, and routing a new key
account's open leads to its group at once (seed 004: 重点客户 get 专项跟进小组)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput, NotFound
from leadflow.i18n import label, read_label
from leadflow.lifecycle.assign import REASSIGNABLE, assign_lead
from leadflow.phrases import N_
from leadflow.rules.assignment import LeadToAssign
from leadflow.rules.config import RulesConfig
from leadflow.rules.contact import company_key
from leadflow.rules.vocab import AccountTier, State
from leadflow.schemas import Name, RowId, validated
from leadflow.store.account_models import Account, AccountChange
from leadflow.store.capacity import OPEN
from leadflow.store.models import Lead, SalesRep, Team
from leadflow.store.uow import flush
from leadflow.store.writer import write
from leadflow.team.roster import load_roster

TRACKED = ("name", "tier", "team_id")  # what the account's history records


def _tier_word(value: object) -> object:
    return read_label("account_tier", value)


class AccountIn(BaseModel):
    """An account's tier and follow-up group as a manager or director sets them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    company: Name
    # The seed's own words are read too: 初步意向, 高意向, 重点客户.
    tier: Annotated[AccountTier | None, BeforeValidator(_tier_word)] = None
    team_id: RowId | None = None


def _account(session: Session, company: str) -> tuple[str, Account | None]:
    key = company_key(company)
    if key is None:
        raise InvalidInput(
            N_(
                "company: {company!r} has no letters or digits to match leads by",
                company=company,
            ),
            {"company": "no name to match"},
        )
    return key, session.scalar(select(Account).where(Account.company_key == key))


def get_account(session: Session, company: str) -> Account:
    """The account of this company name (matched as dedupe matches companies), or NotFound."""
    _key, account = _account(session, company)
    if account is None:
        raise NotFound(
            N_("company: no account for {company!r} (set one with accounts set)", company=company)
        )
    return account


def set_account(
    session: Session, data: dict[str, Any], *, by: str, now: dt.datetime, rules: RulesConfig
) -> dict[str, Any]:
    """Create or change a company's account: its tier (new accounts start at `initial`)
    and follow-up group; a key account needs its group. When the account is key after the
    change, its open leads outside the group move to the group at once."""
    given: AccountIn = validated(AccountIn, data)
    if given.team_id is not None and session.get(Team, given.team_id) is None:
        raise NotFound(N_("team_id: team {team} does not exist", team=given.team_id))
    key, account = _account(session, given.company)
    before = {f: getattr(account, f) for f in TRACKED} if account else dict.fromkeys(TRACKED)
    tier = given.tier.value if given.tier else (before["tier"] or AccountTier.initial.value)
    team_id = given.team_id if given.team_id is not None else before["team_id"]
    if tier == AccountTier.key.value and team_id is None:
        raise InvalidInput(
            N_("team_id: a key account (重点客户) needs its follow-up group: give --group TEAM_ID"),
            {"team_id": N_("required for a key account")},
        )
    if account is None:
        account = Account(company_key=key, updated_by=by, updated_at=now)
        session.add(account)
    account.name, account.tier, account.team_id = given.company, tier, team_id
    changed = [f for f in TRACKED if getattr(account, f) != before[f]]
    if not changed:
        return {**account_row(session, account), "routed": []}
    account.updated_by, account.updated_at = by, now
    flush(session)
    for name in changed:
        session.add(
            AccountChange(
                account_id=account.id,
                field=name,
                old_value=None if before[name] is None else str(before[name]),
                new_value=None if getattr(account, name) is None else str(getattr(account, name)),
                changed_by=by,
                changed_at=now,
            )
        )
    routed = []
    if account.tier == AccountTier.key.value and {"tier", "team_id"} & set(changed):
        routed = route_open_leads(session, account, by=by, now=now, rules=rules)
    flush(session)
    return {**account_row(session, account), "routed": routed}


def route_open_leads(
    session: Session, account: Account, *, by: str, now: dt.datetime, rules: RulesConfig
) -> list[dict[str, Any]]:
    """Move the key account's open leads that its group does not hold to the group: to a
    rep of the group by the assignment rules (the same rules as at intake), else, for a
    lead waiting in a queue, to the group's queue; an owned lead no rep of the group can
    take now keeps its owner (and says so)."""
    group = account.team_id
    in_group = select(SalesRep.id).where(SalesRep.team_id == group)
    leads = session.scalars(
        select(Lead)
        .where(
            Lead.company_key == account.company_key,
            Lead.state.in_([State.screened.value, *REASSIGNABLE]),
            Lead.duplicate_of_id.is_(None),
            (Lead.owner_id.is_(None) & Lead.team_id.is_distinct_from(group))
            | Lead.owner_id.not_in(in_group),
        )
        .order_by(Lead.id)
    ).all()
    out: list[dict[str, Any]] = []
    for lead in leads:
        roster = load_roster(session, rules)
        choice = roster.assign(LeadToAssign.model_validate(lead, from_attributes=True), now)
        why = choice.reason  # names the key account and its group
        if choice.rep_id is not None:
            assign_lead(session, lead.id, choice.rep_id, by=by, now=now, rules=rules, reason=why)
            out.append({"lead_id": lead.id, "rep_id": choice.rep_id, "team_id": group})
        elif lead.owner_id is None:
            write(lead, team_id=group, assignment_reason=why)
            out.append({"lead_id": lead.id, "rep_id": None, "team_id": group})
        else:
            out.append({"lead_id": lead.id, "rep_id": lead.owner_id, "kept": choice.reason})
    flush(session)
    return out


def account_row(session: Session, account: Account) -> dict[str, Any]:
    """An account as shown: tier (and its label), group, open leads, who set it last."""
    team = session.get(Team, account.team_id) if account.team_id is not None else None
    open_leads = session.scalar(
        select(func.count()).where(
            Lead.company_key == account.company_key,
            Lead.state.in_(OPEN),
            Lead.duplicate_of_id.is_(None),
        )
    )
    return {
        "id": account.id,
        "company": account.name,
        "tier": account.tier,
        "tier_label": label("account_tier", account.tier),
        "team_id": account.team_id,
        "team": team.name if team else None,
        "open_leads": open_leads or 0,
        "updated_by": account.updated_by,
        "updated_at": account.updated_at,
    }


def account_rows(session: Session, tier: str | None = None) -> list[dict[str, Any]]:
    """Every account (of `tier`, when given), key accounts first, then by name."""
    if tier is not None and tier not in {t.value for t in AccountTier}:
        raise InvalidInput(
            N_(
                "tier: {tier!r} is not one of initial, high, key",
                tier=tier,
            ),
            {"tier": "unknown tier"},
        )
    query = select(Account)
    if tier is not None:
        query = query.where(Account.tier == tier)
    order = {t.value: -i for i, t in enumerate(AccountTier)}
    rows = [account_row(session, a) for a in session.scalars(query)]
    return sorted(rows, key=lambda r: (order[r["tier"]], r["company"]))


def account_history(session: Session, company: str) -> list[dict[str, Any]]:
    """The account's changes, oldest first."""
    account = get_account(session, company)
    changes = session.scalars(
        select(AccountChange)
        .where(AccountChange.account_id == account.id)
        .order_by(AccountChange.changed_at, AccountChange.id)
    )
    return [
        {
            "field": c.field,
            "old": c.old_value,
            "new": c.new_value,
            "by": c.changed_by,
            "at": c.changed_at,
        }
        for c in changes
    ]
