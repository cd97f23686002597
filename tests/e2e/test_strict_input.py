"""Issue 30: "`at=0.5` and `close_rate: false` are accepted." A time is ISO 8601 with its
zone, never a number of seconds; a yes/no in a JSON body is true or false; a share is a
number. Each is refused with a 422 naming the field, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api


@pytest.fixture
def api(sqlite_url: str) -> Iterator[Api]:
    with running_api(sqlite_url) as running:
        yield running


def _refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"], response.text


def test_numbers_are_not_times_and_words_are_not_yes(api):
    team = roster(api)
    lead_id = ok(team.system.post("/leads", json={**f.lead_record(), "region": "east"}), 201)["id"]
    api.process()
    path = f"/leads/{lead_id}"
    for at in (0.5, "0.5", 1_700_000_000, True):
        activity = {"channel": "phone", "key_points": "call", "at": at}
        _refused(team.manager.post(f"{path}/activities", json=activity), "at")
    _refused(team.manager.get("/reminders/due", params={"at": "0.5"}), "at")
    events = {**f.lead_record(), "events": [{"kind": "webinar", "at": 1_700_000_000}]}
    _refused(team.system.post("/leads", json=events), "events.0.at")
    for word in ("yes", 1, "on"):
        _refused(
            team.manager.post(f"{path}/criteria", json={"intent_stated": word}), "intent_stated"
        )
    rep = team.rep_ids[0]
    _refused(team.manager.patch(f"/reps/{rep}", json={"close_rate": False}), "close_rate")
    _refused(team.manager.patch(f"/reps/{rep}", json={"away": "no"}), "away")
    # What is meant is still taken.
    ok(team.manager.post(f"{path}/criteria", json={"intent_stated": True}))
    assert ok(team.manager.patch(f"/reps/{rep}", json={"close_rate": 1}))["close_rate"] == 1
