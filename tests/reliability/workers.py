"""Code that runs in worker processes of the reliability tests (importable under spawn)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from leadflow.errors import GuardRefused, IllegalTransition, VersionConflict
from leadflow.lifecycle import operations as svc
from leadflow.settings import get_rules
from leadflow.statemachines.lead import TRIGGERS
from leadflow.store.db import session_factory
from leadflow.store.uow import UnitOfWork
from tests import factories as f

REASONS = {"lose": "competitor", "disqualify": "invalid: test"}


def fire_randomly(
    url: str, lead_ids: list[int], attempts: int, seed: int, hot: int = 20
) -> dict[str, int]:
    """Fire random triggers at random leads (half of them at the first `hot` leads, which
    every worker shares, so writers collide); count each outcome by kind. Any other
    exception escapes and fails the test."""
    rnd = random.Random(seed)
    rules = get_rules()
    factory = session_factory(url)
    outcomes: Counter[str] = Counter()
    for _ in range(attempts):
        lead_id = rnd.choice(lead_ids[:hot] if rnd.random() < 0.5 else lead_ids)
        trigger = rnd.choice(TRIGGERS)
        try:
            with UnitOfWork(factory, actor=f"worker-{seed}") as uow:
                svc.fire_trigger(
                    uow.session,
                    lead_id,
                    trigger,
                    by=f"worker-{seed}",
                    now=f.wall_clock(),
                    rules=rules,
                    reason=REASONS.get(trigger),
                )
                uow.commit()
            outcomes["moved"] += 1
        except IllegalTransition as exc:
            outcomes["illegal"] += 1
            assert trigger not in exc.allowed and str(lead_id) in str(exc) and trigger in str(exc)
        except GuardRefused as exc:
            outcomes["refused"] += 1
            assert exc.why
        except VersionConflict as exc:
            outcomes["conflict"] += 1
            assert "nothing was saved" in str(exc)
    return dict(outcomes)


def run_intake(url: str) -> dict[str, int]:
    """The intake chunk path over everything pending (what the lead-intake flow maps)."""
    from leadflow.intake.pending import process_pending

    result = process_pending(url)
    return {"processed": result.processed, "assigned": result.assigned}


def run_handoffs(url: str, chunk: int = 200) -> int:
    """The delivery-handoff flow's loop over its task functions (`.fn`: no Prefect server),
    a chunk of won deals per transaction."""
    from leadflow.flows.common import chunked
    from leadflow.tasks.followup import list_won_without_handoff, produce_handoffs

    now = f.wall_clock()
    done = 0
    for part in chunked(list_won_without_handoff.fn(url), chunk):
        done += len(produce_handoffs.fn(part, now, url))
    return done


def deliver(url: str, port: int, now: str) -> None:
    """One pass of the outbox sender against a local SMTP server (a crash-test subprocess)."""
    from leadflow.notify.outbox import deliver_outbox
    from leadflow.settings import Settings

    deliver_outbox(
        url,
        dt.datetime.fromisoformat(now),
        settings=Settings(mail_url=f"mailto://127.0.0.1:{port}", mail_from="leadflow@localhost"),
    )


def intake_in_small_chunks(url: str, limit: int) -> dict[str, int]:
    """Claim and process chunks of `limit` new leads until none is left, as the intake
    flow's children do; the leads processed and assigned."""
    from leadflow.intake.pending import claim_intake_chunk

    processed = assigned = 0
    now = f.wall_clock()
    while (result := claim_intake_chunk(limit, now, url)).processed:
        processed, assigned = processed + result.processed, assigned + result.assigned
    return {"processed": processed, "assigned": assigned}


def leads_import(url: str, path: str) -> None:
    """`leadflow leads import PATH` through the console entry point, on `url`."""
    import os

    from leadflow.cli.main import run

    os.environ["LEADFLOW_DATABASE_URL"] = url
    run(["leads", "import", path, "--json"])
