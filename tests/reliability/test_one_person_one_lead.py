"""One person, one lead, under any race (issue 30, item 1; reliability guarantee 26): 8
clients post 400 people in 5 spellings each to `leadflow api --workers 2` on PostgreSQL
while intake processes, API edits, CLI updates and lose races run on the same leads.
Exactly 400 leads are stored, every batch is answered (201, or 200 when all its leads
were repeats), none is closed as a duplicate, and every lead's match keys
are those of its fields."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from leadflow.bootstrap import unit_of_work
from leadflow.rules.contact import CONTACT_FIELDS, match_keys
from leadflow.store.models import Lead
from leadflow.team.keys import create_key
from tests.conftest import _truncate, needs_pg
from tests.e2e.api_harness import _free_port, wait_until_up
from tests.e2e.test_api_workers import _served

PEOPLE, BATCH = 400, 25

# A loop of `leadflow`'s own intake (claim a chunk of new leads, process it, commit), as
# the lead-intake flow's tasks run it (retried), until the file named by argv[2] exists.
_INTAKE_LOOP = """
import datetime as dt, os, sys, time
from leadflow.intake.pending import claim_intake_chunk
while not os.path.exists(sys.argv[2]):
    try:
        if claim_intake_chunk(20, dt.datetime.now(dt.UTC), url=sys.argv[1]).processed == 0:
            time.sleep(0.05)
    except Exception as exc:  # a lost race: the flow's task retries, and so does this loop
        print("intake retries:", type(exc).__name__, file=sys.stderr)
"""


def spellings(i: int) -> list[dict[str, Any]]:
    """Person `i` as five senders write them; any two share an email, a phone (as its last
    ten digits) or a name at one company (the second gives a longer first name), so all
    five are one person."""
    email, digits = f"pat.{i}@race{i}.example", f"555{i:07d}"
    phones = [
        f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}",
        f"{digits[:3]}.{digits[3:6]}.{digits[6:]}",
        f"1{digits}",
    ]
    base = {"source": "website_form", "need": "replace spreadsheets", "region": "east"}
    return [
        {**base, "email": email, "phone": phones[0], "contact_name": f"Pat Race{i}",
         "company_name": f"Race Co {i} Ltd"},
        {**base, "source": "referral", "email": f" {email.upper()} ", "phone": phones[1],
         "contact_name": f"Patrick Race{i}", "company_name": f"Race Co. {i}"},
        {**base, "source": "trade_show", "email": email.title(), "contact_name": f"pat race{i}",
         "company_name": f"RACE CO {i}"},
        {**base, "source": "online_ads", "phone": phones[2], "contact_name": f"Pat  Race{i}",
         "company_name": f"race co {i}, inc."},
        {**base, "source": "partner", "email": email, "phone": phones[0],
         "contact_name": f"Pat Race{i}", "company_name": f"Race Co {i} Limited",
         "need": "a CRM for 40 people"},
    ]  # fmt: skip


def _lead_ids(url: str) -> list[int]:
    with unit_of_work("test", url=url) as uow:
        return list(uow.session.scalars(select(Lead.id)))


def _edit(url: str, director: httpx.Client, pick: random.Random) -> None:
    """An API edit of a lead: its email in another spelling, and a new need."""
    ids = _lead_ids(url)
    if ids:
        lead_id = pick.choice(ids)
        lead = director.get(f"/leads/{lead_id}").json()
        if lead.get("email"):
            change = {"email": lead["email"].swapcase(), "need": "edited during race"}
            director.patch(f"/leads/{lead_id}", json=change)
    time.sleep(0.02)


def _cli_update(url: str, _director: httpx.Client, pick: random.Random) -> None:
    """`leadflow leads update` of a lead, as a person types it."""
    ids = _lead_ids(url)
    if ids:
        subprocess.run(
            [sys.executable, "-m", "leadflow.cli.main", "leads", "update", str(pick.choice(ids)),
             "--need", "updated from the CLI"],
            env={**os.environ, "LEADFLOW_DATABASE_URL": url},
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip


def _lose_race(url: str, director: httpx.Client, pick: random.Random) -> None:
    """Two `lose` one lead at the same moment (one wins); a later spelling may bring it back."""
    ids = _lead_ids(url)
    if ids:
        path = f"/leads/{pick.choice(ids)}/transitions"
        body = {"json": {"trigger": "lose", "reason": "competitor"}}
        both = [threading.Thread(target=director.post, args=(path,), kwargs=body) for _ in "ab"]
        for thread in both:
            thread.start()
        for thread in both:
            thread.join()
    time.sleep(0.05)


def _until(stop: threading.Event, act: Callable[..., None], *args: Any) -> None:
    while not stop.is_set():
        act(*args)


@needs_pg
@pytest.mark.postgres
@pytest.mark.reliability
def test_a_race_of_five_spellings_stores_each_person_once(pg_migrated, tmp_path):
    url = pg_migrated
    _truncate(url)
    with unit_of_work("test", url=url) as uow:
        tokens = [create_key(uow.session, r, name=f"race {r}")[1] for r in ("system", "director")]
        uow.commit()
    records = [s for i in range(PEOPLE) for s in spellings(i)]
    random.Random(30).shuffle(records)
    batches = [records[i : i + BATCH] for i in range(0, len(records), BATCH)]
    port, done = _free_port(), tmp_path / "done"
    log = (tmp_path / "api.log").open("w")
    server = _served(url, log, "--port", str(port), "--workers", "2")
    base = f"http://127.0.0.1:{port}"
    answers: list[httpx.Response] = []
    stop = threading.Event()
    intakes: list[subprocess.Popen[bytes]] = []
    try:
        # Generous: on a busy machine two workers took over a minute to answer.
        wait_until_up(base, 180, alive=lambda: server.poll() is None)
        intakes += [
            subprocess.Popen(
                [sys.executable, "-c", _INTAKE_LOOP, url, str(done)],
                env={**os.environ, "LEADFLOW_DATABASE_URL": url},
            )
            for _ in range(2)
        ]
        system = httpx.Client(base_url=base, headers={"X-API-Key": tokens[0]}, timeout=60)
        director = httpx.Client(base_url=base, headers={"X-API-Key": tokens[1]}, timeout=60)

        def post(mine: list[list[dict[str, Any]]]) -> None:
            for batch in mine:
                answers.append(system.post("/leads/batch", json={"leads": batch}))

        others = (url, director, random.Random(31))
        background = [
            threading.Thread(target=_until, args=(stop, act, *others))
            for act in (_edit, _cli_update, _lose_race)
        ]
        clients = [threading.Thread(target=post, args=(batches[c::8],)) for c in range(8)]
        for thread in background + clients:
            thread.start()
        for thread in clients:
            thread.join(timeout=120)
        stop.set()
        for thread in background:
            thread.join(timeout=60)
    finally:
        stop.set()
        done.touch()
        for intake in intakes:
            intake.wait(timeout=60)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    refused = [a.text for a in answers if a.status_code not in (200, 201)]  # 200: all repeats
    with unit_of_work("test", url=url) as uow:
        leads = uow.session.scalars(select(Lead)).all()
        # The keys follow the fields through merges and edits.
        astray = [
            lead.id
            for lead in leads
            if (lead.email_key, lead.phone_key, lead.company_key)
            != match_keys(*(getattr(lead, name) for name in CONTACT_FIELDS))[:3]
        ]
        twice = [lead.invalid_reason for lead in leads if lead.duplicate_of_id is not None]
    outcome = {"answered": len(answers), "refused": refused, "leads": len(leads)}
    assert outcome == {"answered": len(batches), "refused": [], "leads": PEOPLE}, twice[:5]
    assert (astray, twice) == ([], [])
