"""Lead files as teams have them: the seed's lead register (template 1, 线索信息登记表) typed
into an .xlsx under its Chinese headers and saved by Excel as a GBK .csv, and a
HubSpot-style lead export with the small --map file it needs."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook

REGISTER_TITLE = "线索信息登记表"
REGISTER_HEADERS = [
    "序号",
    "线索来源",
    "企业名称",
    "所属行业",
    "企业规模",
    "地区",
    "联系人",
    "职位",
    "联系电话",
    "邮箱",
    "决策角色",
    "初步需求描述",
    "预算范围",
    "预计采购时间",
    "标签",
    "录入人",
    "录入时间",
]
# The register's two example rows, as a sales assistant types them.
REGISTER_ROWS: list[list[Any]] = [
    [
        1,
        "展会-2023年工博会",
        "苏州恒信精密机械有限公司",
        "制造业",
        "中型",
        "华东",
        "王建国",
        "生产总监",
        "138 1234 5678",
        "wangjg@hengxin-jx.com",
        "决策者",
        "计划升级车间MES系统，需要设备联网与生产排程，年内完成选型",
        "50-80万",
        dt.datetime(2024, 3, 31),
        "价格敏感、技术导向",
        "李娜",
        dt.datetime(2023, 11, 8, 9, 30),
    ],
    [
        2,
        "转介绍-上海博远科技",
        "杭州云启物流有限公司",
        "物流",
        "大型",
        "华东",
        "陈晓梅",
        "信息部经理",
        "0571-8888 6666",
        "chenxm@yunqi-logistics.cn",
        "影响者",
        "现有WMS系统老旧，希望替换为云端仓储管理系统并对接ERP",
        "100万以上",
        "2024年6月",
        "高价值",
        "李娜",
        dt.datetime(2023, 11, 10, 14, 0),
    ],
]
# What intake should make of them.
REGISTER_EXPECTED = [
    {
        "source": "trade_show",
        "source_detail": "2023年工博会",
        "company_name": "苏州恒信精密机械有限公司",
        "contact_name": "王建国",
        "contact_title": "生产总监",
        "phone": "138 1234 5678",
        "email": "wangjg@hengxin-jx.com",
        "company_size": "medium",
        "contact_role": "decision_maker",
        "industry": "制造业",
        "region": "华东",
        "budget_min": 500000,
        "budget_max": 800000,
        "timeline": dt.date(2024, 3, 31),
        "tags": ["价格敏感", "技术导向"],
    },
    {
        "source": "referral",
        "source_detail": "上海博远科技",
        "company_name": "杭州云启物流有限公司",
        "contact_name": "陈晓梅",
        "contact_title": "信息部经理",
        "company_size": "large",
        "contact_role": "influencer",
        "budget_min": 1000000,
        "budget_max": None,
        "timeline": dt.date(2024, 6, 30),  # a month: its last day
        "tags": ["高价值"],
        "entered_by": "李娜",
    },
]

# Template 1 of seed 002 (线索信息表) column for column, with its own two example rows: the
# budget and the time are inside the need, the 来源标签 tags the source, 录入人 and 录入时间
# say who entered the row and when.
SEED_REGISTER_TITLE = "线索信息表"
SEED_REGISTER_HEADERS = [
    "序号",
    "线索来源",
    "企业名称",
    "行业",
    "企业规模",
    "联系人",
    "职位",
    "电话",
    "邮箱",
    "初步需求描述",
    "来源标签",
    "录入人",
    "录入时间",
]
SEED_REGISTER_ROWS: list[list[Any]] = [
    [
        1,
        "展会",
        "苏州恒信精密机械有限公司",
        "制造业",
        "中型",
        "王建国",
        "生产总监",
        "13812345678",
        "wangjg@hengxin-jx.com",
        "采购型号设备,预算50-80万,Q3落地",
        "2026工博会",
        "李娜",
        dt.datetime(2026, 3, 9, 9, 30),
    ],
    [
        2,
        "客户转介绍",
        "杭州云启物流有限公司",
        "物流",
        "大型",
        "陈晓梅",
        "信息部经理",
        "0571-88886666",
        "chenxm@yunqi-logistics.cn",
        "仓储管理系统替换,预算100万以上,下半年上线",
        "老客户-上海博远科技",
        "李娜",
        dt.datetime(2026, 3, 10, 14, 0),
    ],
]
SEED_REGISTER_EXPECTED = [
    {
        "source": "trade_show",
        "source_detail": "2026工博会",
        "company_name": "苏州恒信精密机械有限公司",
        "industry": "制造业",
        "company_size": "medium",
        "contact_name": "王建国",
        "contact_title": "生产总监",
        "phone": "13812345678",
        "email": "wangjg@hengxin-jx.com",
        "budget_min": 500_000,
        "budget_max": 800_000,
        "entered_by": "李娜",
        "entered_at": dt.datetime(2026, 3, 9, 9, 30, tzinfo=dt.UTC),
        "timeline": dt.date(2026, 9, 30),  # Q3 of the day it was entered
        "to_confirm": {
            "budget": "read from the need: 预算50-80万",
            "timeline": "read from the need: Q3",
        },
    },
    {
        "source": "referral",
        "source_detail": "老客户-上海博远科技",
        "company_size": "large",
        "contact_title": "信息部经理",
        "budget_min": 1_000_000,
        "budget_max": None,
        "entered_by": "李娜",
        "entered_at": dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC),
        "timeline": dt.date(2026, 12, 31),
        "to_confirm": {
            "budget": "read from the need: 预算100万以上",
            "timeline": "read from the need: 下半年",
        },
    },
]


def seed_register_xlsx(path: Path) -> Path:
    """Seed 002's template 1 as a workbook: its title row, its header, its two rows."""
    return _workbook(path, SEED_REGISTER_TITLE, SEED_REGISTER_HEADERS, SEED_REGISTER_ROWS)


def seed_register_csv(path: Path) -> Path:
    """The same rows saved by Excel on a Chinese Windows machine: GB18030, CRLF."""
    return _csv(path, SEED_REGISTER_HEADERS, SEED_REGISTER_ROWS, "gb18030")


def _workbook(path: Path, title: str, headers: list[str], rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    if title == REGISTER_TITLE:
        book.create_sheet("填写说明").append(["说明", "每条线索一行"])
    book.save(path)
    return path


def _csv(path: Path, headers: list[str], rows: list[list[Any]], encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows([[_text(v) for v in row] for row in rows])
    return path


def register_xlsx(path: Path) -> Path:
    """The register as the template has it: a title row, then the header, then rows."""
    return _workbook(path, REGISTER_TITLE, REGISTER_HEADERS, REGISTER_ROWS)


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y/%m/%d %H:%M") if value.hour else value.strftime("%Y/%m/%d")
    return str(value)


def register_gbk_csv(path: Path) -> Path:
    """The same rows as Excel on a Chinese Windows machine saves them: GBK, CRLF."""
    return _csv(path, REGISTER_HEADERS, REGISTER_ROWS, "gbk")


HUBSPOT_HEADERS = [
    "Record ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone Number",
    "Company Name",
    "Job Title",
    "Original Source",
    "Original Source Drill-Down 1",
    "Industry",
    "Number of Employees",
    "Annual Revenue",
    "State/Region",
    "Lead Status",
    "Create Date",
    "What are you looking for?",
    "Marketing contact status",
]
HUBSPOT_ROWS = [
    [
        "5101",
        "Ann",
        "Lee",
        "ann.lee@northwind.example",
        "+1 415 555 0101",
        "Northwind Traders",
        "VP Operations",
        "Organic Search",
        "google",
        "Retail",
        "250",
        "12000000",
        "east",
        "NEW",
        "2026-10-01 09:12",
        "Replace our spreadsheet pipeline with a CRM",
        "Marketing contact",
    ],
    [
        "5102",
        "Raj",
        "Patel",
        "raj@contoso.example",
        "",
        "Contoso",
        "CTO",
        "Paid Social",
        "LinkedIn",
        "Software",
        "1200",
        "85000000",
        "west",
        "OPEN",
        "2026-10-03 16:40",
        "Lead routing for 40 reps",
        "Non-marketing contact",
    ],
    [
        "5103",
        "Mia",
        "Wong",
        "",
        "",
        "Fabrikam",
        "Analyst",
        "AI Referrals",
        "",
        "Retail",
        "",
        "",
        "east",
        "NEW",
        "2026-10-04 11:00",
        "Pricing",
        "Marketing contact",
    ],
]
HUBSPOT_MAP = """\
# Our HubSpot portal: the form's need question, a status we keep in HubSpot only, and a
# source HubSpot added after LeadFlow's table was written.
headers:
  need: ["What are you looking for?"]
not_imported: ["Marketing contact status"]
values:
  source:
    AI Referrals: referral
"""


def hubspot_csv(path: Path) -> Path:
    """A HubSpot lead export (UTF-8 with BOM, as HubSpot writes it)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HUBSPOT_HEADERS)
        writer.writerows(HUBSPOT_ROWS)
    return path


def hubspot_map(path: Path) -> Path:
    """The small --map file the HubSpot export needs."""
    path.write_text(HUBSPOT_MAP, encoding="utf-8")
    return path
