"""Run every benchmark and print one JSON table; exit 1 when a floor is missed.

python -m benchmarks.run [NAME ...]     # names: encoders, backbone, embedding, queries
"""

from __future__ import annotations

import importlib
import json
import platform
import sys

import torch

SUITES = ["encoders", "backbone", "embedding", "queries"]


def passes(row: dict) -> bool:
    if row["floor"] is None:
        return True
    return row["value"] >= row["floor"] if row["better"] == "higher" else row["value"] <= row["floor"]


def main(argv: list[str]) -> int:
    torch.manual_seed(0)
    rows = []
    for name in argv or SUITES:
        for row in importlib.import_module(f"benchmarks.{name}").run():
            rows.append({"suite": name, **row, "pass": passes(row)})
    machine = {"cpu": platform.processor() or platform.machine(), "threads": torch.get_num_threads()}
    print(json.dumps({"machine": machine, "results": rows}, indent=2))
    return 0 if all(r["pass"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
