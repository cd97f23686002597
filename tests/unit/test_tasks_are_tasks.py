"""tasks/ holds Prefect tasks only: every public callable a tasks module defines is a Prefect
Task (what else a flow needs is defined in leadflow/ and only re-exported there), and no
task builds or runs SQL of its own (the queries are in leadflow/store/queries.py)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from prefect import task
from prefect.tasks import Task

import leadflow.tasks

TASK_FILES = sorted(Path(leadflow.tasks.__file__).parent.glob("*.py"))
# Statement builders, by bare name (what `from sqlalchemy import select` gives).
SQL_BUILDERS = {"select", "update", "insert", "delete", "text"}
# A session's ways of running SQL: `session.query(...)`, `.execute`, `.scalar(s)`.
SQL_RUNNERS = {"query", "execute", "scalar", "scalars"}


def not_tasks(module: ModuleType) -> list[str]:
    """The public callables `module` defines itself (re-exports excluded) that are not
    Prefect tasks."""
    return sorted(
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and callable(obj)
        and getattr(obj, "__module__", None) == module.__name__
        and not isinstance(obj, Task)
    )


def sql_in(source: str) -> list[str]:
    """What in `source` imports SQLAlchemy, builds a statement or runs one on a session."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            found.append(f"from {node.module} import")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in SQL_BUILDERS:
                found.append(f"{func.id}( line {node.lineno}")
            elif isinstance(func, ast.Attribute) and func.attr in SQL_RUNNERS:
                found.append(f".{func.attr}( line {node.lineno}")
    return found


def test_the_task_modules_are_all_checked():
    assert {"intake", "followup", "review", "winmodel", "demo", "outbox"} <= {
        p.stem for p in TASK_FILES
    }


@pytest.mark.parametrize("path", TASK_FILES, ids=lambda p: p.name)
def test_every_public_function_defined_in_tasks_is_a_prefect_task(path):
    name = "leadflow.tasks" if path.stem == "__init__" else f"leadflow.tasks.{path.stem}"
    bad = not_tasks(importlib.import_module(name))
    assert not bad, f"tasks/{path.name} defines {bad}, not Prefect tasks: move them to leadflow/"


@pytest.mark.parametrize("path", TASK_FILES, ids=lambda p: p.name)
def test_tasks_hold_no_sql(path):
    found = sql_in(path.read_text(encoding="utf-8"))
    assert not found, f"tasks/{path.name}: {found}; queries belong in leadflow/store/queries.py"


def test_detectors_see_what_they_look_for():
    sample = ModuleType("sample")

    def helper() -> int:
        return 1

    def work() -> int:
        return 2

    class Helper:
        pass

    defined: dict[str, Any] = {"helper": helper, "work": task(work), "Helper": Helper}
    for obj in defined.values():
        obj.__module__ = "sample"
    vars(sample).update(defined, _private=helper, elsewhere=ast.parse)
    assert not_tasks(sample) == ["Helper", "helper"]
    source = (
        "from sqlalchemy import select\n"
        "def f(s):\n"
        "    s.scalars(select(1))\n"
        "    s.query(2)\n"
        "    text('x')\n"
        "    p.write_text('fine')\n"
        "    d.update(a=1)\n"
    )
    assert sorted(sql_in(source)) == [
        ".query( line 4",
        ".scalars( line 3",
        "from sqlalchemy import",
        "select( line 3",
        "text( line 5",
    ]
