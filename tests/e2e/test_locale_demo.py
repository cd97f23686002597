"""`LEADFLOW_LOCALE=zh_CN leadflow demo` as a Chinese-speaking team runs it: the review in
Chinese as Markdown, HTML and a workbook of the seed templates' sheets, handoffs in Chinese,
and the review page checked in a real browser for characters, not empty boxes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.cli_harness import run_json
from tests.e2e.test_review_browser import (
    CJK,
    SCREENSHOTS,
    _charts_text,
    _differing,
    _other_characters,
    _shot,
    chromium,  # noqa: F401  (fixtures)
    cjk_font,  # noqa: F401
)

SHEETS = [
    "线索信息表",
    "线索培育跟进表",
    "商机评估分级表",
    "转化复盘分析表",
    "汇总",
    "客户分级",
    "活动目标",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[dict, Path]:
    folder = tmp_path_factory.mktemp("zh-demo")
    env = {
        **os.environ,
        "LEADFLOW_DATABASE_URL": f"sqlite:///{folder / 'cli.db'}",
        "LEADFLOW_LOG_FILE": str(folder / "errors.log"),
        "LEADFLOW_LOCALE": "zh_CN",
    }
    out = run_json(["demo", "--leads", "300", "--out", str(folder / "demo")], env)
    return out, folder / "demo"


def _review(out: dict, suffix: str) -> Path:
    return next(Path(p) for p in out["review_files"] if p.endswith(suffix))


@pytest.mark.slow
def test_the_demo_writes_a_chinese_review_and_handoffs(demo):
    out, folder = demo
    quarter = out["quarter"]
    markdown = _review(out, ".md").read_text(encoding="utf-8")
    assert markdown.startswith(f"# 销售管道复盘 {quarter}\n")
    assert "## 渠道分析" in markdown and "| 官网 |" in markdown
    html = _review(out, ".html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and "各渠道转化率" in html
    book = load_workbook(_review(out, ".xlsx"), read_only=True)
    assert book.sheetnames == SHEETS
    header = next(book["线索信息表"].iter_rows(max_row=1, values_only=True))
    assert header[:5] == ("线索编号", "录入时间(UTC)", "线索来源", "来源详情", "企业名称")
    package = next((folder / "handoffs").glob("lead-*[0-9].md")).read_text(encoding="utf-8")
    assert "# 交付交接：" in package and "## 互动记录 (UTC)" in package


@pytest.mark.slow
def test_the_demos_chinese_review_looks_right_in_a_browser(
    demo,
    chromium,  # noqa: F811  (fixtures imported from their module)
    cjk_font,  # noqa: F811
    tmp_path,
):
    out, _ = demo
    html = _review(out, ".html").read_text(encoding="utf-8")
    assert CJK.search(html)
    shown = _shot(chromium, html, tmp_path, "demo")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "demo-review-zh_CN.png").write_bytes((tmp_path / "demo.png").read_bytes())
    other = _shot(chromium, _charts_text(html, _other_characters), tmp_path, "demo-other")
    bare = _shot(chromium, _charts_text(html, lambda _: ""), tmp_path, "demo-bare")
    assert _differing(shown, bare) > 2_000  # the chart labels are drawn
    assert _differing(shown, other) > 500  # as characters: boxes would all look alike
