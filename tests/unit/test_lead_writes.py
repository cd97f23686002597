"""One lead writer (issue 27): every change to a lead row goes through
`leadflow/store/writer.py`, which applies the version check, the field history and the
audit in one place. No other module assigns a lead's columns, runs an UPDATE on the leads
table, or moves a lead with the bare machine; and nothing reads SQLAlchemy's session
internals to find out what changed."""

from __future__ import annotations

import ast
from pathlib import Path

from leadflow.store.models import Lead

ROOT = Path(__file__).parents[2]
WRITER = ROOT / "leadflow" / "store" / "writer.py"
CHECKED = [ROOT / "leadflow", ROOT / "flows", ROOT / "tasks", ROOT / "statemachines"]
COLUMNS = {c.key for c in Lead.__table__.columns}
# Names a lead goes by in this code base: a lead, or a chunk's lead rows.
LEADISH = ("lead", "row")


def _leadish(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and any(w in node.id.lower() for w in LEADISH)


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
                if isinstance(t, ast.Attribute) and t.attr in COLUMNS and _leadish(t.value):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {t.value.id}.{t.attr}")
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr":
            name = node.args[1]
            named_column = isinstance(name, ast.Constant) and name.value in COLUMNS
            if _leadish(node.args[0]) or named_column:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} setattr")
        if (  # update(Lead) / update(LEADS): a set-based write past the writer
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "update"
            and node.args
            and getattr(node.args[0], "id", None) in ("Lead", "LEADS")
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} update(lead table)")
        if (  # the bare machine's fire: the state would change without its audit row
            isinstance(node, ast.ImportFrom)
            and node.module == "leadflow.statemachines.lead"
            and any(alias.name == "fire" for alias in node.names)
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} the machine's fire")
    return found


def test_the_scan_finds_a_write():
    sample = ROOT / "tests" / "unit" / "_sample_write.py"
    sample.write_text(
        "lead.contract_value = 1\nsetattr(lead, 'state', 'won')\n"
        "row.grade, other.need = 'A', 'x'\nsetattr(anything, 'dormant', True)\n"
        "session.execute(update(Lead).values(dormant=True))\n"
        "from leadflow.statemachines.lead import fire\n"
    )
    try:
        assert len(lead_writes(sample)) == 6
    finally:
        sample.unlink()


def test_only_the_writer_writes_lead_columns():
    files = [p for d in CHECKED for p in d.rglob("*.py") if p != WRITER]
    assert len(files) > 100
    assert [w for p in files for w in lead_writes(p)] == []


def test_nothing_reads_sqlalchemy_session_internals():
    """Field history comes from the writer, which holds the old and new values."""
    internals = ("_sa_", ".committed_state", "instance_state(")
    found = [
        f"{p.relative_to(ROOT)}: {word}"
        for p in (ROOT / "leadflow").rglob("*.py")
        for word in internals
        if word in p.read_text(encoding="utf-8")
    ]
    assert found == []
