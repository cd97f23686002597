"""Refusals of the team, key, target, account, model and import commands in the team's
language (issue 33): a zh_CN refusal holds no English sentence, from the same catalogs as the
reports; the English a team with `en` reads is unchanged."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli_harness import run
from tests.e2e.test_refusal_language import HAN, english_in


def _files(folder: Path) -> dict[str, Path]:
    pdf = folder / "leads.csv"
    pdf.write_bytes(b"%PDF-1.7\n" + b"x" * 64)
    notes = folder / "leads.txt"
    notes.write_text("source,company_name\n", encoding="utf-8")
    empty = folder / "empty.csv"
    empty.write_text("", encoding="utf-8")
    return {"pdf": pdf, "txt": notes, "empty": empty, "missing": folder / "missing.csv"}


def _refusals(env: dict[str, str], folder: Path) -> dict[str, str]:
    """stderr of each refusal, through the real entry point."""
    run(["teams", "add", "--name", "East", "--no-email"], env)
    files = _files(folder)
    cases = {
        "team taken": ["teams", "add", "--name", "East", "--no-email"],
        "rep key without rep": ["keys", "create", "--role", "rep"],
        "unknown target": ["targets", "approve", "999"],
        "unknown account": ["accounts", "history", "Nobody Ltd"],
        "unknown model": ["model", "show", "999"],
        "no such file": ["leads", "import", str(files["missing"])],
        "file type": ["leads", "import", str(files["txt"])],
        "pdf as csv": ["leads", "import", str(files["pdf"])],
        "empty file": ["leads", "import", str(files["empty"])],
        "clock without history": [
            "leads", "import", str(files["pdf"]), "--clock-from", "2026-01-05T09:00+00:00",
        ],
        "history and activities": [
            "leads", "import", str(files["pdf"]), "--history", "--activities",
        ],
        "rep without email": ["reps", "add", "--name", "Dan", "--team", "1"],
        "target of nobody": ["targets", "set", "--period", "2026-Q3", "--revenue", "1"],
        "nothing to change": ["teams", "set", "1"],
        "org table without name": ["reps", "import", str(files["txt"])],
    }  # fmt: skip
    return {kind: run(args, env, ok=False).stderr for kind, args in cases.items()}


def test_team_and_import_refusals_in_chinese_hold_no_english_sentence(env, tmp_path):
    said = _refusals({**env, "LEADFLOW_LOCALE": "zh_CN"}, tmp_path)
    for kind, text in said.items():
        assert text.startswith("错误：") and HAN.search(text), (kind, text)
        assert not english_in(text), (kind, text, english_in(text))
    assert "name：已有名为 'East' 的团队" in said["team taken"]
    assert "目标 999 不存在" in said["unknown target"]
    assert "赢单模型 999 不存在" in said["unknown model"]
    assert "文件不存在" in said["no such file"]
    assert "看起来是PDF 文档" in said["pdf as csv"]
    assert "--clock-from 须与 --history 一起使用" in said["clock without history"]
    assert "其通知将改发给团队经理" in said["rep without email"]


def test_the_same_refusals_stay_english_for_an_english_team(env, tmp_path):
    said = _refusals({**env, "LEADFLOW_LOCALE": "en"}, tmp_path)
    for kind, text in said.items():
        assert text.startswith("error: ") and not HAN.search(text), (kind, text)
    assert "name: a team named 'East' exists" in said["team taken"]
    assert "target 999 does not exist" in said["unknown target"]
    assert "not a CSV file (looks like a PDF document)" in said["pdf as csv"]
