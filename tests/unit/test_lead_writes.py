"""Nothing behind the product's back: only the capability services and the store write a
lead's columns, so the demo, the CLI, the API and the flows reach every fact through the
same service functions a team uses."""

from __future__ import annotations

import ast
from pathlib import Path

from leadflow.store.models import Lead

ROOT = Path(__file__).parents[2]
# The capability folders of service functions, and the store's row writer.
SERVICES = (
    "intake",
    "sheets",
    "lifecycle",
    "team",
    "followup",
    "handoff",
    "review",
    "notify",
    "store",
)
ALLOWED = tuple(ROOT / "leadflow" / name for name in SERVICES)
CHECKED = [ROOT / "leadflow", ROOT / "flows", ROOT / "tasks", ROOT / "statemachines"]
COLUMNS = {c.key for c in Lead.__table__.columns}


def lead_writes(path: Path) -> list[str]:
    """`x.column = ...` (or `setattr(x, "column", ...)`) where x names a lead."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AugAssign | ast.AnnAssign)
            else []
        )
        for target in targets:
            for t in target.elts if isinstance(target, ast.Tuple) else [target]:
                if (
                    isinstance(t, ast.Attribute)
                    and t.attr in COLUMNS
                    and isinstance(t.value, ast.Name)
                    and "lead" in t.value.id.lower()
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {t.value.id}.{t.attr}")
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "setattr"
            and isinstance(node.args[0], ast.Name)
            and "lead" in node.args[0].id.lower()
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} setattr({node.args[0].id})")
    return found


def test_the_scan_finds_a_write():
    sample = ROOT / "tests" / "unit" / "_sample_write.py"
    sample.write_text("lead.contract_value = 1\nsetattr(lead, 'state', 'won')\n")
    try:
        assert len(lead_writes(sample)) == 2
    finally:
        sample.unlink()


def test_only_services_and_store_write_lead_columns():
    files = [
        p for d in CHECKED for p in d.rglob("*.py") if not any(p.is_relative_to(a) for a in ALLOWED)
    ]
    assert len(files) > 40
    assert [w for p in files for w in lead_writes(p)] == []
