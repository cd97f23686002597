"""Minimum necessary data (seed 001 L74, 最小必要), as a sender and a manager meet it: an
ID number and a home address sent over the API or in a sheet never reach the quarantine.

Rule book §1: "Personal data the product refuses is never stored, not even in the
quarantine." The spec: "Collect the minimum: no ID numbers, no home addresses"."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from leadflow.bootstrap import unit_of_work
from leadflow.store.outbound_models import QuarantinedRecord
from tests import factories as f
from tests.e2e.api_harness import Api, ok, running_api
from tests.e2e.cli_harness import run, run_json

ID_X = "11010519491231002X"  # GB 11643's own example of a resident ID number
ID_8 = "320102198001011238"
HOME = "北京市朝阳区幸福路1号3单元"
HOME_2 = "杭州市西湖区文三路2号"
PERSONAL = (ID_X, ID_8, HOME, HOME_2)


def quarantine_table(url: str) -> list[tuple[str, list[str]]]:
    """Every quarantined record's payload and errors, as the table holds them."""
    with unit_of_work(url=url) as uow:
        rows = uow.session.execute(select(QuarantinedRecord.payload, QuarantinedRecord.errors))
        return [(payload, list(errors)) for payload, errors in rows.tuples()]


def assert_nothing_personal(url: str) -> None:
    for payload, errors in quarantine_table(url):
        kept = payload + "\n".join(errors)
        assert not [p for p in PERSONAL if p in kept], kept


@pytest.fixture
def api(sqlite_url: str) -> Iterator[Api]:
    with running_api(sqlite_url) as running:
        yield running


def quarantined(api: Api, record_id: int) -> dict:
    items = ok(api.as_role("manager").get("/quarantine", params={"limit": 500}))["items"]
    return next(item for item in items if item["id"] == record_id)


def test_an_api_body_is_refused_and_quarantined_without_its_personal_data(api):
    system, manager = api.as_role("system"), api.as_role("manager")
    record = f.lead_record(need=f"CRM for 50 seats; 联系人身份证 {ID_X}")
    out = ok(system.post("/leads", json={**record, "身份证号": ID_8, "家庭住址": HOME}), 422)
    assert {"身份证号", "家庭住址"} <= set(out["errors"])  # refused as any unknown field is
    kept = quarantined(api, out["quarantine_id"])
    assert kept["errors"][-1] == (
        "(personal data removed): 身份证号 (ID number), 家庭住址 (home address), 1 ID number masked"
    )
    assert json.loads(kept["payload"]) == {
        **record,
        "need": "CRM for 50 seats; 联系人身份证 [removed: ID number]",
    }

    batch = {"leads": [f.lead_record(), {**f.lead_record(email=None, phone=None), "住址": HOME_2}]}
    items = ok(system.post("/leads/batch", json=batch), 207)["results"]
    item = quarantined(api, items[1]["quarantine_id"])
    assert item["errors"][-1] == "(personal data removed): 住址 (home address)"
    text = '{"Home Address": "' + HOME_2 + '", "ID Number": "' + ID_X + '", oops'
    unparsed = ok(system.post("/leads", content=text), 422)
    assert quarantined(api, unparsed["quarantine_id"])["payload"] == (
        '{"Home Address": "[removed: home address]", "ID Number": "[removed: ID number]", oops'
    )
    assert_nothing_personal(api.url)

    # The kept copy lacks only what the product refuses: it goes in when retried as kept.
    replayed = ok(manager.post(f"/quarantine/{out['quarantine_id']}/replay"), 201)
    lead = ok(manager.get(f"/leads/{replayed['id']}"))
    assert lead["need"] == "CRM for 50 seats; 联系人身份证 [removed: ID number]"


def register(path: Path) -> Path:
    """A register with an ID number and a home address column (traditional and simplified)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["线索来源", "企业名称", "联系人", "电话", "邮箱", "初步需求描述",
                         "身份證號碼", "家庭住址"])  # fmt: skip
        writer.writerow(["官网", "苏州恒信机械", "王伟", "13800138000", "", "采购CRM系统",
                         ID_8, HOME])  # fmt: skip
        writer.writerow(["官网", "杭州云启物流", "李娜", "", "", f"采购ERP; 身份证 {ID_X}",
                         ID_X, HOME_2])  # fmt: skip
    return path


def test_a_sheet_imports_without_its_personal_data_columns_and_quarantines_none(env, tmp_path):
    sheet = register(tmp_path / "线索登记表.csv")
    dry = run(["leads", "import", str(sheet), "--dry-run"], env)
    assert "  身份證號碼 -> - (refused: personal data (not stored))" in dry.stdout
    assert "  家庭住址 -> - (refused: personal data (not stored))" in dry.stdout
    assert "unmapped" not in dry.stdout + dry.stderr

    out = run_json(["leads", "import", str(sheet), "--no-process"], env)  # no --ignore-unknown
    assert (out["import"]["accepted"], out["import"]["rejected"]) == (1, 1)
    [kept] = run_json(["quarantine", "list"], env)
    assert kept["errors"].endswith(
        "(personal data removed): 身份證號碼 (ID number), 家庭住址 (home address), "
        "1 ID number masked"
    )
    url = env["LEADFLOW_DATABASE_URL"]
    [(payload, _)] = quarantine_table(url)
    assert json.loads(payload) == {
        "线索来源": "官网",
        "企业名称": "杭州云启物流",
        "联系人": "李娜",
        "初步需求描述": "采购ERP; 身份证 [removed: ID number]",
    }
    assert_nothing_personal(url)
    [lead] = run_json(["leads", "list"], env)
    shown = run(["leads", "show", str(lead["id"])], env).stdout
    assert ID_8 not in shown and HOME not in shown

    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps(f.lead_record(source="website_form")), encoding="utf-8")
    done = run_json(["quarantine", "replay", str(kept["id"]), "--file", str(fixed)], env)
    assert done["created"] is True
