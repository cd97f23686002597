"""`python -m bench.report out/bench/latest.json ...`: the results as a Markdown table (each
target next to the measured median and the ratio to the floor), for bench/README.md."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown(docs: list[dict[str, Any]]) -> str:
    """One row per target of every result in the given result files."""
    lines = [
        "| scenario | backend | size | target | measured (median) | met | ratio to floor | floor |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for doc in docs:
        for r in doc["results"]:
            size = ", ".join(f"{k} {_num(v)}" for k, v in r["size"].items())
            ratio = r["metrics"].get("ratio_to_floor", r["metrics"].get("ratio_to_chunk_path"))
            floor = ", ".join(f"{k} {_num(v)}" for k, v in (r["floor"] or {}).items())
            for name, t in r["targets"].items():
                lines.append(
                    f"| {r['scenario']} | {r['backend']} | {size} | {name} {t['op']} "
                    f"{_num(t['target'])} | {_num(t['measured'])} | "
                    f"{'yes' if t['met'] else '**no**'} | "
                    f"{_num(ratio) if ratio is not None else '-'} | {floor or '-'} |"
                )
    return "\n".join(lines)


def main(paths: list[str]) -> None:
    """Print the table of the result files (latest.json by default)."""
    files = [Path(p) for p in paths] or [Path("out/bench/latest.json")]
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in files]
    for p, doc in zip(files, docs, strict=True):
        print(
            f"<!-- {p.name}: full={doc['full']} scale={doc['scale']} repeat={doc['repeat']} "
            f"load {doc['machine']['loadavg']} on {doc['machine']['cpus']} cores -->"
        )
    print(markdown(docs))


if __name__ == "__main__":
    main(sys.argv[1:])
