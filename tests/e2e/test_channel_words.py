"""The seeds' channel words, simplified and traditional, through a sheet, the API and
`leads add`; and the channel ranking in the lists a team works from.

Rule book §1: "A source may be sent as the channel's name (`referral`) or as the word a
team writes for it, in a sheet, over the API or with `leads add --source`" and "a word in
traditional script (客戶轉介紹, 展會推廣, 網路推廣) is read as its simplified form"."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import factories as f
from tests.e2e.api_harness import Api, ok, running_api
from tests.e2e.cli_harness import run, run_json

# Every channel word of the seeds and its common kin, with the channel it means.
SIMPLIFIED = {
    "展会": "trade_show",
    "展会推广": "trade_show",
    "展览会": "trade_show",
    "行业展会": "trade_show",
    "转介绍": "referral",
    "客户转介绍": "referral",
    "老客户转介绍": "referral",
    "客户推荐": "referral",
    "线上推广": "online_ads",
    "网络推广": "online_ads",
    "线上广告": "online_ads",
    "搜索引擎": "online_ads",
    "百度推广": "online_ads",
    "社交媒体": "online_ads",
    "新媒体": "online_ads",
    "官网": "website_form",
    "官网注册": "website_form",
    "官网咨询": "website_form",
    "官网表单": "website_form",
    "网站注册": "website_form",
    "电话咨询": "other",
    "电话营销": "other",
    "陌拜": "other",
    "地推": "other",
    "合作伙伴": "partner",
    "渠道合作": "partner",
    "代理商": "partner",
    "行业协会": "industry_association",
    "研讨会": "event_webinar",
    "线下活动": "event_webinar",
    "市场活动": "event_webinar",
    "邮件营销": "other",
    "名单导入": "import",
}
TRADITIONAL = {
    "展會推廣": "trade_show",
    "展覽會": "trade_show",
    "行業展會": "trade_show",
    "轉介紹": "referral",
    "客戶轉介紹": "referral",
    "老客戶轉介紹": "referral",
    "客戶推薦": "referral",
    "線上推廣": "online_ads",
    "網絡推廣": "online_ads",
    "網路推廣": "online_ads",  # Taiwan's word for 网络
    "線上廣告": "online_ads",
    "搜尋引擎": "online_ads",
    "百度推廣": "online_ads",
    "社交媒體": "online_ads",
    "新媒體": "online_ads",
    "官網": "website_form",
    "官網註冊": "website_form",
    "官網諮詢": "website_form",
    "官網表單": "website_form",
    "網站註冊": "website_form",
    "電話諮詢": "other",
    "電話營銷": "other",
    "電話行銷": "other",
    "合作夥伴": "partner",
    "渠道合作": "partner",
    "代理商": "partner",
    "行業協會": "industry_association",
    "研討會": "event_webinar",
    "線下活動": "event_webinar",
    "市場活動": "event_webinar",
    "郵件營銷": "other",
    "名單導入": "import",
    "名單匯入": "import",
}
ENGLISH = {
    "Trade Show": "trade_show",
    "Customer Referral": "referral",
    "Paid Search": "online_ads",
    "Website Form": "website_form",
    "Channel Partner": "partner",
    "Industry Association": "industry_association",
    "Webinar": "event_webinar",
    "Purchased List": "import",
    "Telemarketing": "other",
}
WORDS = {**SIMPLIFIED, **TRADITIONAL, **ENGLISH}
UNKNOWN = "信鸽传书"


def _record(n: int, word: str) -> dict[str, str]:
    """A valid lead sent with `word` as its source; the company name carries the word."""
    return f.lead_record(source=word, company_name=f"{word} Co {n}")


def _sources(env: dict[str, str]) -> dict[str, str]:
    """company -> source, as `leads list` shows them."""
    rows = run_json(["leads", "list", "--limit", "1000"], env)
    return {row["company"]: row["source"] for row in rows}


def _expected() -> dict[str, str]:
    return {f"{word} Co {n}": channel for n, (word, channel) in enumerate(WORDS.items())}


def test_the_words_map_through_a_sheet(env, tmp_path):
    path = tmp_path / "线索.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["线索来源", "企业名称", "联系人", "电话", "邮箱", "初步需求描述"])
        for n, word in enumerate(WORDS):
            r = _record(n, word)
            cells = [r["company_name"], r["contact_name"], r["phone"], r["email"], "x"]
            writer.writerow([word, *cells])
    report = run_json(["leads", "import", str(path)], env)["import"]
    assert (report["accepted"], report["rejected"]) == (len(WORDS), 0), report["rejections"]
    assert _sources(env) == _expected()


def test_the_words_map_through_leads_add_and_an_unknown_one_is_refused(env):
    for n, word in enumerate(WORDS):
        r = _record(n, word)
        args = ["leads", "add", "--source", word, "--company", r["company_name"]]
        args += ["--contact", r["contact_name"], "--need", r["need"], "--email", r["email"]]
        run([*args, "--no-process"], env)
    assert _sources(env) == _expected()

    r = _record(len(WORDS), UNKNOWN)
    refused = run(
        ["leads", "add", "--source", UNKNOWN, "--company", "X", "--contact", "Y"]
        + ["--need", "crm", "--email", r["email"], "--no-process"],
        env,
        ok=False,
    ).stderr
    assert f"source: {UNKNOWN!r} is not a known channel" in refused
    assert "website_form, trade_show, online_ads, referral" in refused and "客户转介绍" in refused


@pytest.fixture
def api(sqlite_url: str) -> Iterator[Api]:
    with running_api(sqlite_url) as running:
        yield running


def test_the_words_map_through_the_api_and_the_word_stays_visible(api):
    sender, reader = api.as_role("system"), api.as_role("director")
    items = [_record(n, word) for n, word in enumerate(WORDS)]
    body = ok(sender.post("/leads/batch", json={"leads": items}), 201)
    assert body["accepted"] == len(WORDS)
    got = {}
    for item, result in zip(items, body["results"], strict=True):
        lead = ok(reader.get(f"/leads/{result['id']}"))
        got[item["company_name"]] = lead["source"]
        if item["source"] == "客戶轉介紹":
            # The sender's word is kept beside the channel it means.
            assert lead["source_detail"] == "客戶轉介紹"
    assert got == _expected()

    one = ok(sender.post("/leads", json=f.lead_record(source="展会-2023年工博会")), 201)
    lead = ok(reader.get(f"/leads/{one['id']}"))
    assert (lead["source"], lead["source_detail"]) == ("trade_show", "2023年工博会")

    refused = sender.post("/leads", json=f.lead_record(source=UNKNOWN))
    assert refused.status_code == 422, refused.text
    assert f"{UNKNOWN!r} is not a known channel" in refused.text and "source" in refused.text


def _add(env: dict[str, str], source: str) -> int:
    r = f.lead_record(source=source)
    args = ["leads", "add", "--source", source, "--company", r["company_name"]]
    args += ["--contact", r["contact_name"], "--need", r["need"], "--email", r["email"]]
    args += ["--size", "large", "--role", "decision_maker", "--budget-max", "250000"]
    args += ["--region", "east", "--timeline", r["timeline"], "--no-process"]
    return int(run_json(args, env)["id"])


def test_the_channel_ranking_orders_equal_leads_in_the_queue_and_the_list(env):
    """Seed 003: 标注来源渠道优先级. Rule book §1: "The ranking orders leads that are
    otherwise equal: in a manager queue, leads that have waited as long (a batch screened
    together) are listed, and given owners, in the ranking's order; in `leads list --sort
    score` ... leads with the same score ... are listed in that order"."""
    # Added newest last, so that newest-first would put them the other way round.
    ids = {s: _add(env, s) for s in ["website_form", "online_ads", "referral", "trade_show"]}
    run(["leads", "process"], env)  # one batch: screened at the same moment, no rep yet
    ranked = [ids["referral"], ids["trade_show"], ids["online_ads"], ids["website_form"]]

    queue = run_json(["leads", "list", "--queue"], env)
    assert [row["id"] for row in queue] == ranked
    assert len({row["waiting_hours"] for row in queue}) == 1

    listed = run_json(["leads", "list", "--sort", "score"], env)
    assert len({row["score"] for row in listed}) == 1
    assert [row["id"] for row in listed] == ranked
    # The ranking never rewrites a recorded source.
    assert {row["id"]: row["source"] for row in listed} == {v: k for k, v in ids.items()}


def test_a_team_ranking_is_read_and_a_repeated_channel_refused(env, tmp_path: Path):
    rules = tmp_path / "team"
    rules.mkdir()
    (rules / "rules.yaml").write_text(
        "channels:\n  priority: [website_form, referral]\n", encoding="utf-8"
    )
    team_env = {**env, "LEADFLOW_CONFIG_DIR": str(rules)}
    ids = {s: _add(team_env, s) for s in ["referral", "online_ads", "website_form"]}
    run(["leads", "process"], team_env)
    queue = run_json(["leads", "list", "--queue"], team_env)
    assert [row["id"] for row in queue] == [
        ids["website_form"],
        ids["referral"],
        ids["online_ads"],  # left out of the ranking: after the ranked ones
    ]

    twice = tmp_path / "twice"  # a new folder: the rule book is read once per file
    twice.mkdir()
    (twice / "rules.yaml").write_text(
        "channels:\n  priority: [referral, referral]\n", encoding="utf-8"
    )
    refused = run(
        ["leads", "list", "--queue"], {**env, "LEADFLOW_CONFIG_DIR": str(twice)}, ok=False
    ).stderr
    assert "channels" in refused and "more than once: referral" in refused
