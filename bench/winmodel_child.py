"""The win model's training measured in a child process of its own, so that peak RSS is
its alone: `python -m bench.winmodel_child train|select <url>` prints one JSON line."""

from __future__ import annotations

import json
import resource
import sys
import time

from sqlalchemy import select

from leadflow.settings import get_settings
from leadflow.store.db import session_factory
from leadflow.store.models import Lead
from leadflow.store.uow import UnitOfWork
from leadflow.winmodel.dataset import CLOSED, CLOSED_AT, Cutoff, closed_leads
from leadflow.winmodel.features import LEAD_COLUMNS
from leadflow.winmodel.train import train


def main(argv: list[str]) -> None:
    """Train on every closed lead (or, as the floor, only SELECT their columns) and print
    seconds (wall and CPU), rows and this process's peak RSS (MB)."""
    mode, url = argv
    cfg = get_settings().win_model
    start = time.perf_counter()
    begun = resource.getrusage(resource.RUSAGE_SELF)
    cpu_start = begun.ru_utime + begun.ru_stime
    out: dict[str, float]
    with UnitOfWork(session_factory(url)) as uow:
        if mode == "select":  # the floor: the same rows and columns, no features, no fit
            query = (
                select(*(getattr(Lead, c) for c in LEAD_COLUMNS), CLOSED_AT)
                .where(CLOSED)
                .order_by(CLOSED_AT)
                .execution_options(yield_per=5000)
            )
            rows = sum(1 for _ in uow.session.execute(query))
            out = {"rows": rows}
        else:
            cutoff = Cutoff(cfg.cutoff, cfg.cutoff_days)
            data = closed_leads(uow.session, cfg.budget_bands, cutoff=cutoff)
            loaded = time.perf_counter() - start
            trained = train(data, cfg)
            out = {
                "rows": len(data.won),
                "load_seconds": loaded,
                "auc": trained.metrics["model"]["auc"],
                "active": trained.better_than_score,
            }
    out["seconds"] = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # This process's own CPU time: on a machine shared with other work the wall time
    # above includes waiting for a core, this does not.
    out["cpu_seconds"] = usage.ru_utime + usage.ru_stime - cpu_start
    out["peak_rss_mb"] = usage.ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
