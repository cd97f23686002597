"""Refusals in the team's language (issue 33): the CLI's error line follows LEADFLOW_LOCALE,
the API's error text follows Accept-Language (else the configured locale), both from the
catalogues the reports use. A zh_CN refusal holds no English sentence (field names, ids,
values and commands in backticks may stay); an en team reads the English it always has."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from leadflow.api.app import create_app
from leadflow.bootstrap import unit_of_work
from leadflow.settings import Settings, get_settings
from leadflow.team.keys import create_key
from tests.conftest import migrated_sqlite
from tests.e2e.cli_harness import run

# Three English words in a row: a sentence, not a field name, id or value.
SENTENCE = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}\b")
HAN = re.compile(r"[\u4e00-\u9fff]")
LEAD = [
    "leads", "add", "--source", "website_form", "--company", "Acme",
    "--contact", "Li Lei", "--need", "CRM", "--phone", "13800000000",
]  # fmt: skip


def english_in(text: str) -> list[str]:
    """The English sentences of a message, commands in backticks and quoted values aside."""
    prose = re.sub(r"`[^`]*`|'[^']*'|\b[\w.-]+(?:/[\w{}.-]+)+", "", text)
    return SENTENCE.findall(prose)


def _cli_refusals(env: dict[str, str]) -> dict[str, str]:
    """stderr of refusals of each kind, through the real entry point."""
    lead = run([*LEAD, "--json"], env).stdout
    lead_id = re.search(r'"id": (\d+)', lead)[1]  # type: ignore[index]
    cases = {
        "not found": ["leads", "show", "999999"],
        "state machine": ["leads", "win", lead_id, "--value", "1000"],
        "precondition": ["leads", "approve-contract", lead_id, "--role", "manager"],
        "bad role": ["leads", "approve-contract", lead_id, "--role", "rep"],
        "control character": [*LEAD[:5], "Ac\x0bme", *LEAD[6:]],
        "field validation": [*LEAD[:5], "x" * 301, *LEAD[6:]],
        "bad channel": [*LEAD[:3], "fax", *LEAD[4:]],
        "bad filter": ["leads", "list", "--state", "bogus"],
        "out of range": ["leads", "list", "--limit", "0"],
        "missing option": ["leads", "approve-contract", lead_id],
        "unknown option": ["leads", "list", "--colour", "red"],
    }
    return {kind: run(args, env, ok=False).stderr for kind, args in cases.items()}


def test_cli_refusals_in_chinese_hold_no_english_sentence(env):
    said = _cli_refusals({**env, "LEADFLOW_LOCALE": "zh_CN"})
    for kind, text in said.items():
        assert text.startswith("错误：") and HAN.search(text), (kind, text)
        assert not english_in(text), (kind, text, english_in(text))
    assert "线索 999999 不存在" in said["not found"]
    assert re.search(r"线索 \d+：无法在状态 '\w+' 下执行 'win'；可执行：", said["state machine"])
    assert "合同在谈判阶段审批" in said["precondition"]
    assert "第 3 个字符是控制字符 U+000B" in said["control character"]
    assert "最多 300 个字符" in said["field validation"]
    assert "--state：'bogus' 不在可选值中：new, screened," in said["bad filter"]
    assert said["missing option"] == "错误：--role：必填\n"


def test_import_row_rejections_in_chinese(env, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "source,company_name,contact_name,email,need\n"
        "website_form,Co 1,Jo,jo1@co1.example,crm\n"
        "website_form,Co 2,,jo2@co2.example,crm\n"
        f"website_form,{'x' * 301},Jo,jo3@co3.example,crm\n",
        encoding="utf-8",
    )
    shown = run(["leads", "import", str(rows)], {**env, "LEADFLOW_LOCALE": "zh_CN"}).stdout
    rejected = [line.strip() for line in shown.splitlines() if line.startswith("  ")]
    assert rejected == [
        "第 3 行：contact_name: 必填字段（隔离记录 #1）",
        "第 4 行：company_name: 最多 300 个字符（隔离记录 #2）",
    ]


def test_cli_refusals_stay_english_for_an_english_team(env):
    said = _cli_refusals({**env, "LEADFLOW_LOCALE": "en"})
    assert said["not found"] == "error: lead 999999 does not exist\n"
    assert re.search(r"cannot 'win' from state '\w+'; allowed:", said["state machine"])
    assert "a contract is approved in negotiation (the lead is " in said["precondition"]
    assert "String should have at most 300 characters" in said["field validation"]
    assert "Error: Invalid value for '--state'" in said["bad filter"]  # click's own usage
    for kind, text in said.items():  # the channel words of the mapping are Chinese
        assert text.startswith(("error: ", "Usage: ")), text
        assert kind == "bad channel" or not HAN.search(text), text


@pytest.fixture
def api(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The API on a fresh database (in process: no port), and a key per role."""
    url = migrated_sqlite(sqlite_template, tmp_path / "api.db")
    keys = {}
    with unit_of_work("test", url=url) as uow:
        for role in ("director", "system"):
            keys[role] = create_key(uow.session, role, name=f"test {role}")[1]
        uow.commit()
    with TestClient(create_app(Settings(database_url=url))) as client:
        yield client, keys


def _api_refusals(api: Any, language: str | None, phone: str = "13800000000") -> dict[str, Any]:
    client, keys = api
    asked = {"Accept-Language": language} if language else {}
    director = {"Authorization": f"Bearer {keys['director']}", **asked}
    system = {"Authorization": f"Bearer {keys['system']}", **asked}
    lead = {
        "source": "website_form",
        "company_name": f"Acme {phone}",
        "contact_name": "Li Lei",
        "need": "CRM",
        "phone": phone,
    }
    created = client.post("/leads", json=lead, headers=director)
    assert created.status_code == 201, created.text
    lead_id = created.json()["id"]
    answers = {
        "not found": client.get("/leads/999999", headers=director),
        "bad filter": client.get("/leads", params={"state": "bogus"}, headers=director),
        "forbidden": client.post("/teams", json={"name": "East"}, headers=system),
        "state machine": client.post(f"/leads/{lead_id}/win", json={}, headers=director),
        "precondition": client.post(
            f"/leads/{lead_id}/contract-approval", json={"role": "manager"}, headers=director
        ),
        "validation": client.post(
            "/leads",
            json={**lead, "company_name": "x" * 301, "contact_name": "Li\x0bLei", "need": None},
            headers=director,
        ),
    }
    team = {"name": f"Team {phone}", "manager_email": "mia@x.com"}
    assert client.post("/teams", json=team, headers=director).status_code == 201
    answers |= {
        "taken": client.post("/teams", json=team, headers=director),
        "no key": client.get("/leads", headers=asked),
        "key in the URL": client.get("/leads", params={"api_key": keys["director"]}, headers=asked),
        "not JSON": client.post(
            "/leads", content=b"\xff\xfe", headers={**director, "Content-Type": "text/plain"}
        ),
    }
    return {kind: (r.status_code, r.json()) for kind, r in answers.items()}


def _texts(body: dict[str, Any]) -> list[str]:
    return [body["detail"], *body.get("errors", {}).values(), body.get("reason") or ""]


@pytest.mark.parametrize("language", ["zh-CN", "zh", "zh-CN,zh;q=0.9,en;q=0.8"])
def test_api_refusals_in_chinese_keep_their_fields(api, language):
    said = _api_refusals(api, language)
    assert {kind: status for kind, (status, _) in said.items()} == {
        "not found": 404,
        "bad filter": 422,
        "forbidden": 403,
        "state machine": 409,
        "precondition": 409,
        "validation": 422,
        "taken": 422,
        "no key": 401,
        "key in the URL": 401,
        "not JSON": 422,
    }
    for kind, (_, body) in said.items():
        for text in _texts(body):
            assert not english_in(text), (kind, text, english_in(text))
        assert HAN.search(body["detail"]), (kind, body)
    assert said["not found"][1]["detail"] == "线索 999999 不存在"
    machine = said["state machine"][1]
    assert machine["trigger"] == "win" and machine["state"] in machine["detail"]  # as is
    assert said["precondition"][1]["trigger"] == "approve-contract"
    assert "state" in said["bad filter"][1]["errors"]
    fields = said["validation"][1]["errors"]
    assert fields["company_name"] == "最多 300 个字符"
    assert fields["contact_name"].startswith("第 3 个字符是控制字符 U+000B")
    assert said["taken"][1]["errors"] == {"name": "已被占用"}


def test_api_refusals_stay_english_without_or_with_english_asked(api):
    for phone, language in (("13800000001", None), ("13800000002", "en")):
        said = _api_refusals(api, language, phone)
        assert said["not found"][1]["detail"] == "lead 999999 does not exist"
        assert said["validation"][1]["errors"]["company_name"] == (
            "String should have at most 300 characters"
        )
        for kind, (_, body) in said.items():
            assert not any(HAN.search(text) for text in _texts(body)), (kind, body)


def test_api_speaks_the_configured_locale_when_nothing_is_asked(api, monkeypatch):
    monkeypatch.setenv("LEADFLOW_LOCALE", "zh_CN")
    get_settings.cache_clear()
    try:
        said = _api_refusals(api, None)
        assert said["not found"][1]["detail"] == "线索 999999 不存在"
        assert (
            _api_refusals(api, "en", "13800000003")["not found"][1]["detail"]
            == "lead 999999 does not exist"
        )
    finally:
        monkeypatch.delenv("LEADFLOW_LOCALE")
        get_settings.cache_clear()
