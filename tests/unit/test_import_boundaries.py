"""Import boundaries: the rule code stays pure (no database, workflow engine or web framework
under rules/), flows import only tasks, and no two modules of ours import each other."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
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


# Import circles. Every module of the installed package (flows/, tasks/, statemachines/ and
# config/ install as leadflow.flows etc., pyproject's package-dir) and every import in it,
# at any level: one inside a function is still a circle, only hidden until it runs.
REPO = RULES_DIR.parents[1]


def package_modules(repo: Path) -> dict[str, Path]:
    """Module name -> file, for the package as pyproject installs it."""
    setup = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    folders = {"leadflow": repo / "leadflow"}
    folders |= {pkg: repo / folder for pkg, folder in setup["setuptools"]["package-dir"].items()}
    found: dict[str, Path] = {}
    for package, folder in folders.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            found[".".join((package, *parts[: -1 if parts[-1] == "__init__" else None]))] = path
    return found


def module_imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of `known` that module `name` imports: `from a import b` is a.b when that
    is a module, relative imports are resolved, and an import inside a function counts."""
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    wanted: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            wanted += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(here[: len(here) - node.level + 1]) if node.level else ""
            module = ".".join(filter(None, [base, node.module]))
            wanted += [f"{module}.{alias.name}" for alias in node.names] + [module]
    found = set()
    for target in wanted:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in order:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], order[nxt])
        if low[node] == order[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return found


def import_graph(repo: Path) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports."""
    modules = package_modules(repo)
    return {name: module_imports(name, path, set(modules)) for name, path in modules.items()}


def test_the_graph_covers_the_package_and_sees_lazy_imports():
    graph = import_graph(REPO)
    assert {"leadflow.settings", "leadflow.flows.intake", "leadflow.statemachines.lead"} <= set(
        graph
    )
    assert "leadflow.tasks" in graph and "leadflow.config" in graph
    # deployments imports automations inside a function only
    assert "leadflow.automations" in graph["leadflow.deployments"]


def test_the_detector_finds_circles_through_functions_and_relative_imports(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.setuptools.package-dir]\n"leadflow.x" = "x"\n')
    (tmp_path / "leadflow").mkdir()
    (tmp_path / "x").mkdir()
    files = {
        "leadflow/__init__.py": "",
        "leadflow/a.py": "from leadflow import b\n",
        "leadflow/b.py": "def f():\n    from leadflow.x.c import g\n",
        "x/__init__.py": "",
        "x/c.py": "from ..a import thing\n",
        "leadflow/d.py": "import leadflow.a\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert circles(import_graph(tmp_path)) == [["leadflow.a", "leadflow.b", "leadflow.x.c"]]


def test_no_import_circles():
    """A circle makes import order matter and hides which module owns an idea."""
    assert circles(import_graph(REPO)) == []
