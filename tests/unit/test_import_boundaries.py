"""The rule code stays pure: no database, workflow engine or web framework under rules/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import leadflow.flows
import leadflow.rules

RULES_DIR = Path(leadflow.rules.__file__).parent
RULE_FILES = sorted(RULES_DIR.glob("*.py"))
FORBIDDEN = {"sqlalchemy", "prefect", "fastapi", "yaml"}
# Within the project, rules may only lean on themselves (and the error types).
FORBIDDEN_INTERNAL = (
    "leadflow.store",
    "leadflow.intake",
    "leadflow.sheets",
    "leadflow.lifecycle",
    "leadflow.team",
    "leadflow.followup",
    "leadflow.handoff",
    "leadflow.review",
    "leadflow.notify",
    "leadflow.cli",
    "leadflow.flows",
    "leadflow.tasks",
    "leadflow.demo",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
        ):
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
    return found


def test_the_rule_modules_are_all_checked():
    names = {p.stem for p in RULE_FILES}
    assert {
        "vocab",
        "config",
        "facts",
        "contact",
        "screening",
        "scoring",
        "grading",
        "timing",
        "assignment",
        "evaluate",
    } <= names


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_no_framework_imports(path):
    roots = {name.split(".")[0] for name in imported_modules(path)}
    assert not roots & FORBIDDEN, f"{path.name} imports {sorted(roots & FORBIDDEN)}"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_no_imports_from_outer_layers(path):
    bad = [m for m in imported_modules(path) if m.startswith(FORBIDDEN_INTERNAL)]
    assert not bad, f"{path.name} imports {bad}"


def test_detector_sees_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import sqlalchemy.orm\nfrom prefect import flow\ndef f():\n    import fastapi\n",
        encoding="utf-8",
    )
    assert {"sqlalchemy.orm", "prefect", "fastapi"} <= imported_modules(sample)


def test_importing_rules_loads_no_framework():
    modules = ", ".join(f"leadflow.rules.{p.stem}" for p in RULE_FILES if p.stem != "__init__")
    code = (
        f"import sys, {modules}\n"
        f"print(sorted(m for m in {sorted(FORBIDDEN)!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


FLOW_FILES = sorted(Path(leadflow.flows.__file__).parent.glob("*.py"))
FLOWS_MAY_IMPORT = ("leadflow.tasks", "leadflow.flows")


def test_the_flow_modules_are_all_checked():
    assert {"intake", "followup", "handoff", "review", "winmodel", "demo", "fanout"} <= {
        p.stem for p in FLOW_FILES
    }


@pytest.mark.parametrize("path", FLOW_FILES, ids=lambda p: p.name)
def test_flows_import_nothing_of_ours_but_tasks(path):
    """Flows are orchestration only: Prefect, the standard library, the tasks and each
    other; every unit of work, rule and setting is reached through a task."""
    ours = [m for m in imported_modules(path) if m.split(".")[0] == "leadflow"]
    bad = [m for m in ours if not m.startswith(FLOWS_MAY_IMPORT)]
    assert not bad, f"flows/{path.name} imports {bad}"
    foreign = {m.split(".")[0] for m in imported_modules(path)} - {"leadflow", "prefect"}
    assert foreign <= set(sys.stdlib_module_names) | {"__future__"}, foreign
