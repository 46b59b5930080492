"""Label encoders: warm start-up (fresh process, files cached) and labels per second."""

from __future__ import annotations

import json
import subprocess
import sys
import time

STARTUP = """
import time, json
t = time.perf_counter()
from vsexplore.text import load_encoder
enc = load_encoder({name!r})
enc.encode(["dog"])
print(json.dumps(time.perf_counter() - t))
"""


def startup_seconds(name: str, runs: int = 3) -> float:
    """Median time from a fresh interpreter to the first encoded label (after one cold run)."""
    times = []
    for _ in range(runs + 1):
        out = subprocess.run(
            [sys.executable, "-c", STARTUP.format(name=name)], capture_output=True, text=True
        )
        out.check_returncode()
        times.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return sorted(times[1:])[len(times[1:]) // 2]


def labels_per_second(name: str) -> float:
    """Encoding rate for labels never seen before (no cache hits): 1,859 distinct phrases."""
    from vsexplore.text import load_encoder

    adjectives = "red blue green small large old young wet dry bright dark".split()
    nouns = "dog cat car boat tree sky house road field river person bird flower".split()
    labels = [f"{a} {n} {m}" for a in adjectives for n in nouns for m in nouns]
    encoder = load_encoder(name)
    start = time.perf_counter()
    encoder.encode(labels)
    return len(labels) / (time.perf_counter() - start)


def run() -> list[dict]:
    rows = []
    for name, floor_start, floor_rate in (("minilm-l6", 2.0, 500), ("glove-6b-50d", None, None)):
        rows.append(
            {
                "measure": f"{name} warm start-up (s)",
                "value": round(startup_seconds(name), 3),
                "floor": floor_start,
                "better": "lower",
            }
        )
        rows.append(
            {
                "measure": f"{name} labels/s (uncached)",
                "value": round(labels_per_second(name)),
                "floor": floor_rate,
                "better": "higher",
            }
        )
    return rows
