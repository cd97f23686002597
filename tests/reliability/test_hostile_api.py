"""Hostile input over real HTTP (uvicorn on loopback) and through CSV files: wrong types,
huge strings, unicode, control characters, SQL and formula injection, missing fields,
duplicate keys. No 5xx and no crash; every rejection names its fields and is kept verbatim
in quarantine; every accepted value is stored literally."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from leadflow.errors import InvalidInput
from leadflow.intake.receive import store_leads
from leadflow.schemas import LEAD_FIELDS, loads_strict
from leadflow.settings import get_rules
from leadflow.sheets.files import read_records
from leadflow.store.db import session_factory
from leadflow.store.models import Lead
from leadflow.store.outbound_models import QuarantinedRecord
from leadflow.store.uow import UnitOfWork
from tests.conftest import PG_URL, _truncate
from tests.e2e.api_harness import Api, running_api
from tests.reliability.test_hostile_input import GOOD, NASTY_TEXT, WHITE_SPACE

pytestmark = pytest.mark.reliability
MAX_BODY = 200_000
SENT = {"payloads": 0, "requests": 0, "csv rows": 0}  # what the run tried, printed at the end
JSON_VALUE = st.one_of(
    NASTY_TEXT,
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
FIELD = st.sampled_from([*LEAD_FIELDS, "unknown_field", "", "__class__"])
# A valid lead of a new person each time (so that it is stored, not merged as a repeat).
FRESH = st.integers(0, 10**12).map(
    lambda n: {**GOOD, "email": f"jo{n}@acme.example", "contact_name": f"Jo {n}"}
)
ITEM = st.one_of(
    st.dictionaries(FIELD, JSON_VALUE, max_size=8),
    st.builds(
        lambda good, extra: {**good, **extra}, FRESH, st.dictionaries(FIELD, JSON_VALUE, max_size=3)
    ),
    st.builds(
        lambda good, name, value: {**good, name: value},
        FRESH,
        st.sampled_from(
            TEXT := (
                "company_name",
                "contact_name",
                "need",
                "email",
                "phone",
                "source_detail",
                "internal_notes",
            )
        ),
        NASTY_TEXT,
    ),
    JSON_VALUE,
)
TEXT_FIELDS = TEXT


@pytest.fixture(scope="module")
def hostile_api(tmp_path_factory: pytest.TempPathFactory, request) -> Iterator[Api]:
    """One API for the module: on PostgreSQL when configured (the stricter store)."""
    if PG_URL:
        url = request.getfixturevalue("pg_migrated")
        _truncate(url)
    else:
        from leadflow.store.migrate import upgrade

        url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'lf.db'}"
        upgrade(url)
    with running_api(url, api_max_body_bytes=MAX_BODY) as api:
        yield api
    print(
        f"\nhostile input: {SENT['payloads']} payloads in {SENT['requests']} HTTP requests, "
        f"{SENT['csv rows']} CSV rows"
    )


@pytest.fixture(scope="module")
def system(hostile_api: Api):
    return hostile_api.as_role("system")


def _stored(url: str, ids: list[int]) -> dict[int, Lead]:
    with UnitOfWork(session_factory(url)) as uow:
        leads = uow.session.scalars(select(Lead).where(Lead.id.in_(ids))).all()
        uow.session.expunge_all()
        return {lead.id: lead for lead in leads}


def _kept(url: str, qid: int) -> QuarantinedRecord:
    with UnitOfWork(session_factory(url)) as uow:
        row = uow.session.get(QuarantinedRecord, qid)
        assert row is not None, f"quarantine {qid} is missing"
        uow.session.expunge(row)
        return row


def _names_fields(errors: dict[str, str], item: Any) -> None:
    assert errors and all(isinstance(m, str) and m for m in errors.values()), errors
    keys = set(item) if isinstance(item, dict) else set()
    for key in errors:  # a field, a key that was sent, or the record as a whole
        assert key in keys or key.split(".")[0] in {*LEAD_FIELDS, "(record)"}, (key, item)


def _literal(lead: Lead, sent: dict[str, Any]) -> None:
    """Accepted text is stored exactly as sent, but for surrounding white space."""
    for name in TEXT_FIELDS:
        if isinstance(sent.get(name), str) and sent[name].strip(WHITE_SPACE):
            assert getattr(lead, name) == sent[name].strip(WHITE_SPACE), name


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(items=st.lists(ITEM, min_size=10, max_size=40))
def test_hostile_batches_over_http(hostile_api: Api, system, items: list[Any]):
    body = json.dumps({"leads": items})
    response = system.post(
        "/leads/batch", content=body, headers={"Content-Type": "application/json"}
    )
    SENT["payloads"] += len(items)
    SENT["requests"] += 1
    assert response.status_code < 500, response.text
    if response.status_code == 413:
        assert len(body.encode()) > MAX_BODY
        return
    out = response.json()
    assert response.status_code in (200, 201, 207, 422), out
    if "results" not in out:  # the whole body refused: kept as sent
        assert _kept(hostile_api.url, out["quarantine_id"]).payload == body
        return
    created = {r["id"]: items[r["index"]] for r in out["results"] if r["status"] == "created"}
    stored = _stored(hostile_api.url, list(created))
    assert set(stored) == set(created)
    # A later item of the same person is merged in, and its newer facts win (merge_into), so
    # only the leads that no later item repeated hold exactly what one item sent.
    repeated = {r["id"] for r in out["results"] if r["status"] == "duplicate"}
    for lead_id, sent in created.items():
        if lead_id not in repeated:
            _literal(stored[lead_id], sent)
    for result in out["results"]:
        if result["status"] == "rejected":
            item = items[result["index"]]
            _names_fields(result["errors"], item)
            kept = _kept(hostile_api.url, result["quarantine_id"])
            assert (
                kept.payload == item if isinstance(item, str) else json.loads(kept.payload) == item
            )


RAW = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda k, a, b: (
            json.dumps(GOOD)[:-1] + f', "{k}": {json.dumps(a)}, "{k}": {json.dumps(b)}}}'
        ),
        st.sampled_from(LEAD_FIELDS),
        JSON_VALUE,
        JSON_VALUE,
    ).map(str.encode),
    st.builds(lambda depth: ("[" * depth + "]" * depth).encode(), st.integers(1, 5000)),
    st.sampled_from(
        [
            b'{"source": NaN}',
            b"\x00",
            b"null",
            b'"text"',
            b"[]",
            b"{}",
            b'{"need": "\\u0000"}',
            json.dumps({**GOOD, "need": "a\x00b"}).encode(),
        ]
    ),
    st.builds(lambda item: json.dumps(item).encode(), ITEM),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=RAW)
def test_hostile_single_bodies_over_http(hostile_api: Api, system, raw: bytes):
    response = system.post("/leads", content=raw, headers={"Content-Type": "application/json"})
    SENT["payloads"] += 1
    SENT["requests"] += 1
    assert response.status_code in (200, 201, 422), response.text
    out = response.json()
    if response.status_code == 422:
        assert out["errors"] and all(out["errors"].values()), out
        text = raw.decode("utf-8", "backslashreplace").replace("\x00", "\\x00")
        assert _kept(hostile_api.url, out["quarantine_id"]).payload == text
        return
    sent = loads_strict(raw)  # what was accepted had no duplicate key
    if response.status_code == 201:
        _literal(_stored(hostile_api.url, [out["id"]])[out["id"]], sent)


def test_duplicate_json_keys_are_refused_naming_the_key(hostile_api: Api, system):
    raw = (
        '{"source": "website_form", "company_name": "Acme", "contact_name": "Jo", '
        '"email": "jo@acme.example", "need": "crm", "email": "ceo@acme.example"}'
    )
    out = system.post("/leads", content=raw).json()
    assert out["errors"] == {"email": "given more than once in the same JSON object"}
    assert _kept(hostile_api.url, out["quarantine_id"]).payload == raw
    batch = '{"leads": [], "leads": [' + json.dumps(GOOD) + "]}"
    assert set(system.post("/leads/batch", content=batch).json()["errors"]) == {"leads"}


CELL = st.one_of(
    NASTY_TEXT.map(lambda t: t.replace("\x00", "")),  # csv can carry any but NUL
    st.integers().map(str),
    st.sampled_from(["=1+1", "=cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=x", "\r\n"]),
)
COLUMNS = (
    "source",
    "company_name",
    "contact_name",
    "email",
    "phone",
    "need",
    "budget_max",
    "tags",
    "timeline",
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(st.fixed_dictionaries({c: CELL for c in COLUMNS}), min_size=1, max_size=40),
    good=st.lists(st.just(GOOD), max_size=5),
)
def test_hostile_csv_rows_are_stored_literally_or_quarantined(
    sqlite_url, tmp_path: Path, rows, good
):
    path = tmp_path / "hostile.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(
            [
                *rows,
                *({**g, "phone": "", "budget_max": "", "tags": "", "timeline": ""} for g in good),
            ]
        )
    records = list(read_records(path))
    SENT["csv rows"] += len(records)
    # Every row read, quoted newlines and all; a row of empty cells is no lead and skipped.
    assert len(records) == len([r for r in rows if any(r.values())]) + len(good)
    with UnitOfWork(session_factory(sqlite_url), actor="fuzz") as uow:
        summary = store_leads(uow.session, records, "hostile.csv", get_rules())
        uow.commit()
        assert summary.accepted + summary.duplicates + summary.rejected == len(records)
        by_row = dict(records)
        for rejection in summary.rejections:
            _names_fields(rejection["errors"], by_row[rejection["row"]])
            kept = uow.session.get(QuarantinedRecord, rejection["quarantine_id"])
            record = by_row[rejection["row"]]  # a sheet row is kept under its own headers
            assert json.loads(kept.payload) == getattr(record, "verbatim", record)
        rejected = {r["row"] for r in summary.rejections} | set(summary.duplicate_of)
        accepted = [row for row, _ in records if row not in rejected]
        for lead_id, row in zip(summary.lead_ids, accepted, strict=True):
            _literal(uow.session.get(Lead, lead_id), by_row[row])


def test_csv_with_a_column_twice_is_refused_naming_it(tmp_path: Path):
    path = tmp_path / "twice.csv"
    path.write_text(
        "source,company_name,contact_name,email,need,email\n"
        "website_form,Acme,Jo,jo@acme.example,crm,ceo@acme.example\n"
    )
    with pytest.raises(InvalidInput, match="column.s. email appear more than once"):
        list(read_records(path))
