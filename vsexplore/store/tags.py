"""Tags and rejections (the user's decisions), by store row so they survive appends.

They live in a sub-group of their own, ``<store>/decisions/zarr.json``, as its attributes, and every
decision replaces that small file whole. Why not the root group's attributes, where they were: Zarr
3.1 writes attributes by rewriting the root ``zarr.json`` (format, model config, fingerprint, codec
state) from the process's in-memory copy. Its LocalStore does write through a temporary file and a
rename, so a kill cannot tear it, but never fsyncs (after a power cut some file systems keep an empty file);
and a stale in-memory copy silently reverts others' changes: two handles on one store, each tagging
once, kept only the second tag. So the root ``zarr.json`` is never written for a decision, and the
decisions file is written so that a kill at any moment leaves the old or the new decision, never a
mix (both halves of ``tag`` after ``reject`` go in one write):

- local stores: read-modify-write under an exclusive ``flock`` on the store folder (other processes
  and handles wait instead of overwriting each other), a temporary file that is fsynced, then
  ``os.replace`` and an fsync of the folder, so a finished decision also survives a power cut;
  temporary files left by a killed writer are removed by the next one;
- any other fsspec URL: the file is put whole (an object store's PUT is atomic); no lock.

The sub-group is a valid Zarr node (it adds nothing that Zarr would list as unrecognised). Stores
made before it (``tests/data/store-0.1.vsx`` and later) keep their decisions in the root
attributes: they are read from there until the first new decision, which starts the file from
them; the old attributes are left as they were.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..errors import StoreError

try:
    import fcntl
except ImportError:  # Windows: no flock; a decision is still atomic, only concurrent writers may race
    fcntl = None

TAGS = "tags"  # {tag: store rows that have it}
REJECTED = "rejected"  # {tag: store rows the user said do not have it}
OPPOSITE = {TAGS: REJECTED, REJECTED: TAGS}
FOLDER = "decisions"  # the sub-group; its zarr.json holds the decisions as attributes
FILE = "zarr.json"


def clean_tag(tag: str) -> str:
    if not isinstance(tag, str) or not tag.strip():
        raise ValueError(f"tag {tag!r}: use a non-empty string")
    return tag.strip()


class TagBook:
    """Reads and writes one store's tags and rejections, by collection index."""

    def __init__(self, url: str, group, rows: np.ndarray):
        self.url, self.group, self.rows = url, group, rows

    def read(self, kind: str) -> dict[str, list[int]]:
        """{tag: collection indices}; rows are ascending, so each tag's rows are found by bisection
        (no per-read table of a million rows)."""
        return {tag: self._indices(rows) for tag, rows in self._load()[kind].items()}

    def _indices(self, rows: list[int]) -> list[int]:
        rows = np.asarray(rows, dtype=np.int64)
        at = np.searchsorted(self.rows, rows).clip(0, max(len(self.rows) - 1, 0))
        found = (self.rows[at] == rows) if len(self.rows) else np.zeros(len(rows), bool)
        return sorted(at[found].tolist())

    def add(self, kind: str, indices: Iterable[int], tag: str) -> None:
        """Add images to ``kind`` for ``tag`` and take them out of the opposite kind, in one write."""
        tag = clean_tag(tag)
        rows = {int(self.rows[i]) for i in indices}
        self._change({kind: lambda old: old | rows, OPPOSITE[kind]: lambda old: old - rows}, tag)

    def remove(self, kind: str, indices: Iterable[int], tag: str) -> None:
        rows = {int(self.rows[i]) for i in indices}
        self._change({kind: lambda old: old - rows}, clean_tag(tag))

    def _change(self, changes: dict, tag: str) -> None:
        if self.group.read_only:
            raise StoreError(f"{self.url} was opened read-only; to tag, open it with "
                             f"vx.Collection.open({self.url!r}, mode='r+')")
        with self._locked():
            decisions = self._load()
            changed = False
            for kind, change in changes.items():
                old = set(decisions[kind].get(tag, []))
                new = change(old)
                if new != old:
                    changed = True
                    decisions[kind] = {**decisions[kind], tag: sorted(new)} if new else {
                        t: rows for t, rows in decisions[kind].items() if t != tag}
            if changed:
                self._save(decisions)

    # -- the file ----------------------------------------------------------------------------
    def _local(self) -> Path | None:
        """The store's folder when it is on this machine, else None (an fsspec URL)."""
        return None if "://" in self.url else Path(self.url)

    def _load(self) -> dict[str, dict[str, list[int]]]:
        """The decisions as stored: the sub-group's, or a store's from before it (root attributes)."""
        try:
            local = self._local()
            if local is not None:
                data = (local / FOLDER / FILE).read_bytes()
            else:
                import fsspec

                fs, path = fsspec.core.url_to_fs(self.url)
                data = fs.cat_file(f"{path.rstrip('/')}/{FOLDER}/{FILE}")
        except FileNotFoundError:
            attrs = self.group.attrs
            return {kind: dict(attrs.get(kind, {})) for kind in (TAGS, REJECTED)}
        try:
            attributes = json.loads(data)["attributes"]
            return {kind: dict(attributes[kind]) for kind in (TAGS, REJECTED)}
        except (ValueError, KeyError, TypeError) as err:  # never written by vsexplore: say so
            raise StoreError(f"{self.url}/{FOLDER}/{FILE}: not a decisions file ({err}); move it away "
                             "to fall back to the store's older tags") from err

    def _save(self, decisions: dict[str, dict[str, list[int]]]) -> None:
        attributes = {"vsexplore_decisions": 1, **decisions}
        document = {"zarr_format": 3, "node_type": "group", "attributes": attributes}
        data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        local = self._local()
        if local is None:
            import fsspec

            fs, path = fsspec.core.url_to_fs(self.url)
            fs.pipe_file(f"{path.rstrip('/')}/{FOLDER}/{FILE}", data)
            return
        write_atomically(local / FOLDER, FILE, data)

    @contextlib.contextmanager
    def _locked(self):
        """An exclusive lock on the store folder (local stores, where flock exists)."""
        local = self._local()
        if local is None or fcntl is None:
            yield
            return
        fd = os.open(local, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock (so does a killed process)


def write_atomically(folder: Path, name: str, data: bytes) -> None:
    """Replace ``folder/name`` with ``data``: fsynced temporary file, rename, fsynced folder.

    A temporary file of the same name already there is a killed writer's (decisions are written
    under the store's lock) and is removed."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f".{glob.escape(name)}.partial-*"):
        stale.unlink(missing_ok=True)
    temporary = folder / f".{name}.partial-{uuid.uuid4().hex}"
    with open(temporary, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temporary, folder / name)
    if fcntl is not None:  # a folder cannot be opened for fsync on Windows
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
