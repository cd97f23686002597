"""Other CRMs' lead exports as they really are, through `leadflow leads import`: every
documented column is mapped with no --map file, a Salesforce report's title and footer
lines are skipped, Odoo's HTML notes read as text and its own sources kept, a HubSpot
export imports once the team keeps leads without a need, an uncertain encoding is asked
for, and the summary counts the merged leads that came back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crm_exports import (
    HUBSPOT_CONTACT_HEADERS,
    HUBSPOT_LEAD_HEADERS,
    ODOO_HEADERS,
    SALESFORCE_HEADERS,
    hubspot_contacts,
    hubspot_leads,
    odoo_leads,
    salesforce_report,
)
from tests.e2e.cli_harness import run, run_json


@pytest.fixture
def relaxed(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """A team that keeps a lead without a need for a person to complete."""
    config = tmp_path / "team-config"
    config.mkdir()
    (config / "rules.yaml").write_text("data_quality:\n  need_required: false\n", "utf-8")
    return {**env, "LEADFLOW_CONFIG_DIR": str(config)}


def _dry_run(path: Path, env: dict[str, str], headers: list[str]) -> str:
    """The dry run's text, checked to map each of `headers` to something known."""
    text = run(["leads", "import", str(path), "--dry-run"], env).stdout
    mapped = [line for line in text.splitlines() if " -> " in line]
    assert [line.strip().split(" -> ")[0] for line in mapped] == headers
    assert not [line for line in mapped if "(unmapped)" in line], text
    return text


def _leads(env: dict[str, str]) -> dict[str, dict]:
    return {
        lead["company_name"]: lead
        for lead in (
            run_json(["leads", "show", str(row["id"]), "--sensitive"], env)
            for row in run_json(["leads", "list"], env)
        )
    }


def test_a_salesforce_leads_report_skips_its_title_and_footer_lines(env, tmp_path):
    report = salesforce_report(tmp_path / "report1765.csv")
    text = _dry_run(report, env, SALESFORCE_HEADERS)
    assert "  Company / Account -> company_name" in text
    assert "title row(s) above the header skipped: 1, 2" in text
    assert "footer row(s) below the data skipped: 9, 11, 12" in text
    assert text.rstrip().endswith("3 row(s), 3 valid, 0 rejected; nothing was stored")

    out = run_json(["leads", "import", str(report), "--no-process"], env)["import"]
    assert (out["accepted"], out["rejected"], out["file"]["footer_rows_skipped"]) == (
        3,
        0,
        [9, 11, 12],
    )
    leads = _leads(env)
    assert sorted(leads) == ["Contoso", "Fabrikam", "Northwind Traders"]
    assert (leads["Contoso"]["source"], leads["Contoso"]["source_detail"]) == (
        "other",
        "Phone Inquiry",
    )
    assert leads["Fabrikam"]["source"] == "partner"
    assert leads["Northwind Traders"]["need"] == "Replace our spreadsheets with a CRM for 50 seats"
    assert run_json(["quarantine", "list"], env) == []


def test_hubspot_exports_import_once_a_need_is_not_required(env, relaxed, tmp_path):
    contacts = hubspot_contacts(tmp_path / "hubspot-crm-exports-all-contacts.csv")
    refused = _dry_run(contacts, env, HUBSPOT_CONTACT_HEADERS)
    assert "  row 2: need: Field required" in refused  # the seeds' default: required
    assert refused.rstrip().endswith("3 row(s), 0 valid, 3 rejected; nothing was stored")

    _dry_run(contacts, relaxed, HUBSPOT_CONTACT_HEADERS)
    out = run_json(["leads", "import", str(contacts), "--no-process"], relaxed)["import"]
    assert (out["accepted"], out["rejected"]) == (3, 0)
    leads_export = hubspot_leads(tmp_path / "hubspot-crm-exports-all-leads.csv")
    text = _dry_run(leads_export, relaxed, HUBSPOT_LEAD_HEADERS)
    assert text.rstrip().endswith("2 row(s), 2 valid, 0 rejected; nothing was stored")
    out = run_json(["leads", "import", str(leads_export), "--no-process"], relaxed)["import"]
    # The same two people by company: merged into the contacts' leads, nothing rejected.
    assert (out["accepted"] + out["duplicates"], out["rejected"]) == (2, 0)

    lead = _leads(relaxed)["Northwind Traders"]
    assert (lead["need"], lead["missing"][0]) == ("", "need")  # for a person to complete
    assert lead["source"] == "website_form"
    lid = str(lead["id"])
    run(["leads", "update", lid, "--set", "company_size=medium"], relaxed)  # still editable
    emptied = run(["leads", "update", lid, "--need", ""], relaxed, ok=False).stderr
    assert emptied.startswith("error: need: ")  # an edit never empties it
    run(["leads", "update", lid, "--need", "A CRM for the 40 people of our sales team"], relaxed)
    assert "need" not in run_json(["leads", "show", lid], relaxed)["missing"]


def test_an_odoo_export_reads_its_title_notes_and_own_sources(env, tmp_path):
    export = odoo_leads(tmp_path / "crm.lead.csv")
    text = _dry_run(export, env, ODOO_HEADERS)
    assert "  Opportunity -> need" in text and "  Internal Notes -> internal_notes" in text
    assert text.rstrip().endswith("4 row(s), 4 valid, 0 rejected; nothing was stored")

    out = run_json(["leads", "import", str(export), "--no-process"], env)["import"]
    assert (out["accepted"], out["rejected"]) == (4, 0)
    leads = _leads(env)
    got = {name: (lead["source"], lead["source_detail"]) for name, lead in leads.items()}
    assert got == {
        "Odoo Customer 0": ("other", "Newsletter; Email"),
        "Odoo Customer 1": ("other", "Lead Recall; Email"),
        "Odoo Customer 2": ("online_ads", "Email"),  # Twitter: a channel word
        "Odoo Customer 3": ("other", "Billboard; Email"),  # no word: kept as the detail
    }
    lead = leads["Odoo Customer 0"]
    assert lead["need"] == "ERP for 2 warehouses"
    assert lead["internal_notes"] == "Call back after the trade fair.\nBudget approved & signed"
    assert lead["tags"] == ["Product", "Services"]


def test_merged_rows_that_reactivate_and_assign_are_counted(env, tmp_path):
    run(["teams", "add", "--name", "EU", "--manager-email", "mia@example.com"], env)
    run(["reps", "add", "--name", "Ann", "--team", "1", "--seniority", "senior", "--no-email"], env)
    first = run_json(["leads", "import", str(odoo_leads(tmp_path / "a.csv"))], env)
    assert first["import"]["accepted"] == 4
    ids = [row["id"] for row in run_json(["leads", "list"], env)]

    def lose_two() -> None:
        for lead_id in ids[:2]:
            run(["leads", "fire", str(lead_id), "lose", "--reason", "price", "--by", "ann"], env)

    lose_two()
    again = odoo_leads(tmp_path / "b.csv", need="ERP and WMS for {n} warehouses, 40 users")
    text = run(["leads", "import", str(again)], env).stdout
    assert "accepted 0, duplicates 4 (2 reactivated, 2 assigned), rejected 0" in text
    assert "; 2 assigned in all, with the reactivated" in text
    back = [run_json(["leads", "show", str(i)], env) for i in ids[:2]]
    assert all(lead["state"] != "lost" and lead["owner_id"] == 1 for lead in back), back

    lose_two()
    once_more = odoo_leads(tmp_path / "c.csv", need="ERP, WMS and TMS for {n} warehouses")
    report = run_json(["leads", "import", str(once_more)], env)["import"]
    assert (report["accepted"], report["duplicates"]) == (0, 4)
    assert (report["reactivated"], report["assigned"]) == (2, 2)


def test_an_uncertain_encoding_is_asked_for_and_encoding_overrides_it(env, tmp_path):
    latin = tmp_path / "contacts-latin1.csv"
    latin.write_bytes(
        "source,company_name,contact_name,email,need\n"
        "website_form,Société Générale,Lefèvre,jl@sg.example,CRM pour 40 postes\n".encode("latin-1")
    )
    refused = run(["leads", "import", str(latin), "--dry-run"], env, ok=False).stderr
    assert "the encoding is uncertain: detected cp1250 ('Lefčvre')" in refused
    assert "name it with --encoding" in refused and len(refused.strip().splitlines()) == 1

    out = run_json(["leads", "import", str(latin), "--encoding", "latin-1", "--no-process"], env)
    assert out["import"]["accepted"] == 1
    assert _leads(env)["Société Générale"]["contact_name"] == "Lefèvre"
    bad = run(["leads", "import", str(latin), "--encoding", "klingon"], env, ok=False).stderr
    assert "--encoding 'klingon': not a known text encoding" in bad
