"""What a projection axis can show: a label's scores, diversity, a PCA component or seeded jitter."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w
import numpy as np

LABEL = "label"
DIVERSITY = "diversity"
JITTER = "jitter (1-D)"
PCA_COMPONENTS = 5


class AxisValues:
    """Per-image values for each axis mode, from the collection's analyses, cached per mode/label."""

    def __init__(self, col, pca_components: int = PCA_COMPONENTS, seed: int = 0):
        self.col = col
        self.pca_components = max(1, min(pca_components, len(col)))
        self.seed = seed
        self._cache: dict[tuple[str, str], np.ndarray] = {}

    @property
    def modes(self) -> list[str]:
        """Every mode, in menu order: label, diversity, PCA 1…n, jitter."""
        return [LABEL, DIVERSITY, *(f"PCA {k + 1}" for k in range(self.pca_components)), JITTER]

    def values(self, mode: str, label: str = "") -> np.ndarray:
        """(N,) float32 coordinates of every image on this axis."""
        key = (mode, label if mode == LABEL else "")
        if key not in self._cache:
            self._cache[key] = self._compute(mode, label).astype(np.float32)
        return self._cache[key]

    def title(self, mode: str, label: str = "") -> str:
        return label if mode == LABEL else mode

    def _compute(self, mode: str, label: str) -> np.ndarray:
        if mode == LABEL:
            return self.col.scores([label])[:, 0]
        if mode == DIVERSITY:
            return self.col.diversity()
        if mode == JITTER:
            return np.random.default_rng(self.seed).uniform(-0.5, 0.5, len(self.col))
        if mode.startswith("PCA "):
            coordinates, _ = self.col.pca(self.pca_components)
            return coordinates[:, int(mode.split()[1]) - 1]
        raise ValueError(f"axis mode {mode!r}: use one of {self.modes}")


class AxisControl(w.HBox):
    """A mode menu and a label box for one axis; typing a label switches the axis to that label."""

    def __init__(self, name: str, modes: list[str], initial: str, on_change: Callable[[], None]):
        mode, label = (initial, "") if initial in modes and initial != LABEL else (LABEL, initial)
        self.mode = w.Dropdown(options=modes, value=mode, description=f"{name} axis",
                               layout=w.Layout(width="190px"))
        self.text = w.Text(value=label, placeholder="any word or phrase", continuous_update=False,
                           layout=w.Layout(width="200px"))
        self.mode.add_class(f"vsx-axis-{name}-mode")
        self.text.add_class(f"vsx-axis-{name}")
        self._on_change = on_change
        self.mode.observe(lambda _: self._on_change(), "value")
        self.text.observe(self._typed, "value")
        super().__init__([self.mode, self.text])

    def _typed(self, change) -> None:
        if self.mode.value != LABEL and change.new.strip():
            self.mode.value = LABEL  # fires on_change once
        else:
            self._on_change()

    @property
    def label(self) -> str:
        return self.text.value.strip()
