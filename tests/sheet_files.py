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
        "timeline": dt.date(2024, 6, 1),
        "tags": ["高价值"],
    },
]


def register_xlsx(path: Path) -> Path:
    """The register as the template has it: a title row, then the header, then rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = REGISTER_TITLE
    sheet.append([REGISTER_TITLE])
    sheet.append(REGISTER_HEADERS)
    for row in REGISTER_ROWS:
        sheet.append(row)
    book.create_sheet("填写说明").append(["说明", "每条线索一行"])
    book.save(path)
    return path


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y/%m/%d %H:%M") if value.hour else value.strftime("%Y/%m/%d")
    return str(value)


def register_gbk_csv(path: Path) -> Path:
    """The same rows as Excel on a Chinese Windows machine saves them: GBK, CRLF."""
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REGISTER_HEADERS)
        writer.writerows([[_text(v) for v in row] for row in REGISTER_ROWS])
    return path


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
