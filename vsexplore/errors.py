"""Every error vsexplore raises on purpose, under one base, :class:`VsexploreError`.

Each keeps the builtin base it always had (``except ValueError`` still works), and each message
names the file, label or store at fault and says what to do. The ``vsexplore`` command prints
such an error as one line and exits non-zero. This module imports nothing of the package.
"""

from __future__ import annotations

import os


class VsexploreError(Exception):
    """Base of vsexplore's own errors: the message names what is wrong and how to fix it."""


class ImageError(VsexploreError, ValueError):
    """An input that cannot be turned into an RGB image; the message names it and says why."""


class LabelError(VsexploreError, ValueError):
    """A label that cannot be encoded; the message names it and says what to do."""


class UnknownWordsError(LabelError, KeyError):
    """Every or some words of a label are missing from the encoder's vocabulary."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0])


class StoreError(VsexploreError, ValueError):
    """A store that cannot be used as asked; the message names it and says what to do."""


class ManifestError(VsexploreError, ValueError):
    """A malformed dataset file; the message names the file, line and field."""

    def __init__(self, file: str | os.PathLike, line: int | None, field_name: str | None, problem: str):
        where = f"{os.fspath(file)}" + (f", line {line}" if line is not None else "")
        where += f", field {field_name!r}" if field_name else ""
        super().__init__(f"{where}: {problem}")
        self.file, self.line, self.field = os.fspath(file), line, field_name


class DebianUnavailable(VsexploreError, RuntimeError):
    """This machine cannot fetch Debian packages (no apt, no package lists, or no network)."""


class WordNetUnavailable(VsexploreError, FileNotFoundError):
    """The WordNet 3.0 files are not on this machine; the message names the folder and how to install them."""


class WeightsNotFound(VsexploreError, FileNotFoundError):
    """Pretrained weights are not on this machine; the message says where to put them."""


class RegistryError(VsexploreError, ValueError):
    """A backbone or encoder name registered twice, or asked for and never registered."""


class TrainingError(VsexploreError, ValueError):
    """A training run that cannot go on as asked (a checkpoint or cache of another run)."""
