"""Code that runs in worker processes of the reliability tests (importable under spawn)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from leadflow.errors import GuardRefused, IllegalTransition, VersionConflict
from leadflow.services import leads as svc
from leadflow.settings import get_rules
from leadflow.statemachines.lead import TRIGGERS
from leadflow.store.db import session_factory
from leadflow.store.uow import UnitOfWork

REASONS = {"lose": "competitor", "disqualify": "invalid: test"}


def fire_randomly(url: str, lead_ids: list[int], attempts: int, seed: int) -> dict[str, int]:
    """Fire random triggers at random leads; count each outcome by kind."""
    rnd = random.Random(seed)
    rules = get_rules()
    factory = session_factory(url)
    outcomes: Counter[str] = Counter()
    for _ in range(attempts):
        lead_id = rnd.choice(lead_ids)
        trigger = rnd.choice(TRIGGERS)
        try:
            with UnitOfWork(factory, actor=f"worker-{seed}") as uow:
                svc.fire_trigger(uow.session, lead_id, trigger, by=f"worker-{seed}",
                                 now=dt.datetime.now(dt.UTC), rules=rules,
                                 reason=REASONS.get(trigger))
                uow.commit()
            outcomes["moved"] += 1
        except IllegalTransition as exc:
            outcomes["illegal"] += 1
            assert exc.allowed is not None and str(lead_id) in str(exc)
        except GuardRefused as exc:
            outcomes["refused"] += 1
            assert exc.why
        except VersionConflict:
            outcomes["conflict"] += 1
    return dict(outcomes)


def run_intake(url: str) -> dict[str, int]:
    """The intake chunk path over everything pending (what the lead-intake flow maps)."""
    from leadflow.jobs import process_pending

    result = process_pending(url)
    return {"processed": result.processed, "assigned": result.assigned}
