"""Scenarios measured in a child process of their own, so that peak RSS is theirs alone:
`python -m bench.child regrade <url> <chunk size>` prints one JSON line."""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from bench.data import NOW
from leadflow.flow_settings import chunks_in_flight
from leadflow.followup import regrade
from leadflow.paging import id_pages, overlapped
from leadflow.settings import get_rules
from leadflow.store.db import session_factory
from leadflow.store.uow import UnitOfWork


def regrade_all(url: str, chunk: int, now: dt.datetime = NOW) -> dict[str, float]:
    """Re-grade every open lead as the weekly-regrade flow does: keyset pages of ids, a unit
    of work per chunk, as many chunks at once as the flow runs; returns seconds, leads
    examined and changes counted."""
    factory, rules = session_factory(url), get_rules()

    def next_page(after: int) -> list[int]:
        with UnitOfWork(factory) as uow:
            return regrade.open_lead_ids(uow.session, after, chunk)

    def run(ids: list[int]) -> regrade.RegradeResult:
        with UnitOfWork(factory, actor="weekly-regrade") as uow:
            found = regrade.regrade_chunk(uow.session, ids, now, rules)
            uow.commit()
        return found

    start = time.perf_counter()
    total = regrade.RegradeResult()
    depth = chunks_in_flight(url)
    with ThreadPoolExecutor(depth) as pool:
        for found in overlapped(id_pages(next_page), lambda ids: pool.submit(run, ids), depth):
            # Combined as it goes: a list of every chunk's result (up to 2,000 listed
            # changes each) was what grew with the number of leads.
            total = regrade.RegradeResult.combine([total, found])
    return {
        "seconds": time.perf_counter() - start,
        "examined": total.examined,
        "changes": sum(total.counts.values()),
    }


def peak_rss_mb() -> float:
    """This process's own peak RSS (MB): VmHWM of its memory map where Linux has it.
    ru_maxrss also keeps the high-water mark of the memory map this process replaced at
    exec, which was its parent's: the bench's own 324 MB (its imports) were reported as the
    re-grade's peak before."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> None:
    """Run one named scenario and print its numbers with this process's peak RSS (MB)."""
    name, url, chunk = argv[0], argv[1], int(argv[2])
    assert name == "regrade", f"unknown child scenario {name!r}"
    out = regrade_all(url, chunk)
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
