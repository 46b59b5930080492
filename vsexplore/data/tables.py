"""The hand-made tables of ``vsexplore.data``, read from the JSON files in ``_tables/``.

Curated lists (stamp names, background sources and polygons, real photos' labels) are data, not
code: they live as package data in ``vsexplore/data/_tables/``, one record a line so a change reads
as a one-line diff, and a wheel carries them (``[tool.setuptools.package-data]``). JSON knows no
tuples, so each module that owns a table turns the parsed value into its public types once, at
import, and keeps it as a module constant.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def read_table(name: str) -> Any:
    """The parsed ``vsexplore/data/_tables/<name>.json``."""
    return json.loads((resources.files("vsexplore.data") / "_tables" / f"{name}.json").read_bytes())
