"""Evaluation: how well scorers label and localise on labelled images, measured side by side.

Three layers, each importing only the ones before it:

* :mod:`.metrics` — the measures as pure numpy (mAP, label-ranking AP, F1@k, mIoU sweeps);
* :mod:`.refine` — superpixel snapping of upsampled maps, the optional sharper localisation;
* :mod:`.report` — :func:`evaluate`, which runs a scorer over records and fills the report.

Nothing else in the package but the command line imports this room; the pure analyses
(:mod:`vsexplore.analysis`) never depend on it.
"""

from .report import THRESHOLDS, evaluate, truth_map

__all__ = ["THRESHOLDS", "evaluate", "truth_map"]
