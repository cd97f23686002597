"""id_pages walks keyset pages; overlapped submits chunks while earlier ones run,
never more than `depth` at once, results in page order, and a failed chunk stops the job."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from leadflow.paging import id_pages, overlapped


def _run(depth: int, pages: list[int], fail_on: int | None = None) -> tuple[list[int], int]:
    lock, running, most = threading.Lock(), [0], [0]

    def chunk(page: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02 if page % 2 else 0.005)  # uneven, so later pages could finish first
        with lock:
            running[0] -= 1
        if page == fail_on:
            raise RuntimeError(f"chunk {page} failed")
        return page * 10

    with ThreadPoolExecutor(4) as pool:
        results = list(overlapped(pages, lambda p: pool.submit(chunk, p), depth))
    return results, most[0]


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_results_come_in_page_order_with_at_most_depth_running(depth):
    results, most = _run(depth, list(range(12)))
    assert results == [p * 10 for p in range(12)]
    assert most == depth


def test_a_failed_chunk_stops_the_job():
    with pytest.raises(RuntimeError, match="chunk 3 failed"):
        _run(2, list(range(8)), fail_on=3)


def test_no_pages_no_results():
    assert _run(2, []) == ([], 0)


def test_id_pages_walk_the_keys_until_an_empty_page():
    ids = [3, 5, 8, 13, 21, 34, 55]
    asked: list[int] = []

    def next_page(after: int) -> list[int]:
        asked.append(after)
        return [i for i in ids if i > after][:3]

    assert list(id_pages(next_page, 2)) == [[3, 5, 8], [13, 21, 34], [55]]
    assert asked == [2, 8, 34, 55]
