"""Backbone forward throughput at 224 px, batch 32: fp32 eager vs the automatic fast path."""

from __future__ import annotations

import time

import torch


def images_per_second(precision: str, batch: int = 32, size: int = 224, repeats: int = 4) -> float:
    from vsexplore.backbones import load_backbone

    backbone = load_backbone(precision=precision)
    x = torch.randn(batch, 3, size, size)
    with torch.inference_mode():
        backbone(x)  # warm-up
        start = time.perf_counter()
        for _ in range(repeats):
            backbone(x)
    return batch * repeats / (time.perf_counter() - start)


def run() -> list[dict]:
    from vsexplore.backbones import bf16_is_fast

    fp32 = images_per_second("fp32")
    auto = images_per_second("auto")
    auto_448 = images_per_second("auto", size=448, repeats=2)
    return [
        {
            "measure": "backbone fp32 images/s (batch 32, 224 px)",
            "value": round(fp32, 1),
            "floor": None,
            "better": "higher",
        },
        {
            "measure": f"backbone auto images/s ({'bf16' if bf16_is_fast(torch.device('cpu')) else 'fp32'})",
            "value": round(auto, 1),
            "floor": None,
            "better": "higher",
        },
        {
            "measure": "backbone auto / fp32 speed-up",
            "value": round(auto / fp32, 2),
            "floor": None,
            "better": "higher",
        },
        {
            "measure": "backbone auto images/s at 448 px (the shipped model's input)",
            "value": round(auto_448, 1),
            "floor": None,
            "better": "higher",
        },
    ]
