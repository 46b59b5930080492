"""Tag decisions are atomic and survive kill -9; exports as CSV, COCO and FiftyOne's folder tree."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import zarr

import vsexplore as vx
from vsexplore.data.benchmark import benchmark_photos
from vsexplore.store import StoreError
from vsexplore.store.export import MANIFEST

KILLS = 10  # rounds on one store, each a process that decides until it is killed
DECISIONS = 800  # each round's list; none may reach its end before it is killed
CHILD = """
import json, os, sys, torch, vsexplore as vx
torch.set_num_threads(1)  # no thread pool to break in a forked process
say = lambda *words: os.write(1, (" ".join(map(str, words)) + "\\n").encode())  # one write: never torn
model = vx.load_collection_model()  # loaded once; each round forks a process that decides (and opens)
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        col = vx.Collection.open(sys.argv[1], model=model, mode="r+")
        for n, (op, indices, tag) in enumerate(json.loads(line)):
            getattr(col, op)(indices, tag)
            say(n + 1)
        os._exit(0)
    say("started", pid)
    say("ended", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Real photos in two folders, two of them both named ``same.jpg`` and one ``SAME.jpg``."""
    root = tmp_path_factory.mktemp("decisions")
    photos = [Path(p.path) for p in benchmark_photos("dev", kinds=("stamp", "pypi"))]
    jpegs = [p for p in photos if p.suffix == ".jpg"][:3]
    others = [p for p in photos if p not in jpegs][:5]
    targets = [root / "a" / "same.jpg", root / "b" / "same.jpg", root / "b" / "SAME.jpg"]
    targets += [root / "a" / p.name for p in others]
    for source, target in zip(jpegs + others, targets, strict=True):
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, target)
    return vx.Collection.build([str(t) for t in targets], store=root / "photos.vsx", progress=False)


@pytest.fixture
def col(store, tmp_path):
    """A fresh writable copy of the store (same source files)."""
    shutil.copytree(store.url, tmp_path / "copy.vsx")
    return vx.Collection.open(tmp_path / "copy.vsx", model=store.model, mode="r+")


def replay(state: tuple[dict, dict], decisions: list) -> tuple[dict, dict]:
    """The tags and rejections that ``decisions`` leave after ``state``, by the documented rules."""
    tags, rejected = ({t: set(i) for t, i in book.items()} for book in state)
    for op, indices, tag in decisions:
        mine, other = (tags, rejected) if op in ("tag", "untag") else (rejected, tags)
        if op in ("tag", "reject"):
            mine[tag] = mine.get(tag, set()) | set(indices)
            other[tag] = other.get(tag, set()) - set(indices)
        else:
            mine[tag] = mine.get(tag, set()) - set(indices)
    return tuple({t: sorted(s) for t, s in book.items() if s} for book in (tags, rejected))


def test_decisions_survive_kill_9_at_random_moments(store, tmp_path):
    """Each round a process (forked by one ``python -c`` that loaded the model once) opens the store
    and makes decisions, printing after each; it is killed at a random moment (seeded); the store then
    opens and holds every reported decision, perhaps with the one in flight, and nothing else."""
    rng = random.Random(13)
    ops, names = ["tag", "reject", "untag", "unreject", "tag"], ["lake", "sky", "café ☕", "a/b"]
    path = tmp_path / "photos.vsx"
    shutil.copytree(store.url, path)
    root_metadata = (path / "zarr.json").read_bytes()
    started, state, completed_per_round, torn = time.time(), ({}, {}), [], 0
    with open(tmp_path / "stderr.txt", "w") as err:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    deciding: list[int] = []  # pid of the round's deciding process
    watchdog = threading.Timer(120, lambda: [os.kill(p, signal.SIGKILL) for p in [proc.pid, *deciding[-1:]]])
    watchdog.daemon = True
    watchdog.start()  # a hung process fails the test instead of blocking it
    try:
        for _ in range(KILLS):
            decisions = [[rng.choice(ops), sorted(rng.sample(range(len(store)), rng.randint(1, 3))),
                          rng.choice(names)] for _ in range(DECISIONS)]
            kill_after, delay = rng.randint(20, 300), rng.uniform(0, 0.004)
            proc.stdin.write(json.dumps(decisions) + "\n")
            proc.stdin.flush()
            pid, completed, killed, status = None, 0, False, None
            for line in proc.stdout:
                word = line.split()
                assert word, (tmp_path / "stderr.txt").read_text()[-3000:]
                if word[0] == "started":
                    pid = int(word[1])
                    deciding.append(pid)
                elif word[0] == "ended":
                    status = int(word[1])
                    break
                else:
                    completed = int(word[0])
                if pid is not None and completed >= kill_after and not killed:
                    time.sleep(delay)  # lands anywhere in the next decision
                    os.kill(pid, signal.SIGKILL)
                    killed = True
            assert status == -signal.SIGKILL and completed < DECISIONS, (status, completed)
            torn += len(list((path / "decisions").glob(".*partial*")))
            reopened = vx.Collection.open(path, model=store.model)
            found = (reopened.tags, reopened.rejections)
            allowed = [replay(state, decisions[:completed]), replay(state, decisions[: completed + 1])]
            assert found in allowed, (completed, found, allowed)
            assert (path / "zarr.json").read_bytes() == root_metadata  # decisions never touch it
            state = found
            completed_per_round.append(completed)
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        watchdog.cancel()
        for pid in [proc.pid, *deciding[-1:]]:  # on failure, nothing is left running
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()
    vx.Collection.open(path, model=store.model, mode="r+").tag([0], "after the kills")
    assert vx.Collection.open(path, model=store.model).tags["after the kills"] == [0]
    assert not list((path / "decisions").glob(".*partial*"))  # a killed writer's file is tidied away
    print(f"{KILLS} kills after {completed_per_round} decisions ({sum(completed_per_round)} checked), "
          f"{torn} in mid-write, {time.time() - started:.1f} s")


def test_two_handles_on_one_store_keep_both_decisions(col):
    other = vx.Collection.open(col.url, model=col.model, mode="r+")
    col.tag([0], "x")
    other.tag([1], "y")
    other.reject([2], "x")
    assert vx.Collection.open(col.url, model=col.model).tags == {"x": [0], "y": [1]}
    assert col.rejections == {"x": [2]}


def test_decisions_of_older_stores_are_read_and_carried_on(col):
    """Before the decisions file, tags lived in the root attributes; they are read, then kept."""
    rows = [int(r) for r in col.rows]
    col.group.attrs.update({"tags": {"old": [rows[1], rows[4]]}, "rejected": {"old": [rows[2]]}})
    old = vx.Collection.open(col.url, model=col.model, mode="r+")
    assert old.tags == {"old": [1, 4]} and old.rejections == {"old": [2]}
    root = (Path(col.url) / "zarr.json").read_bytes()
    old.tag([2], "old")
    assert vx.Collection.open(col.url, model=col.model).tags == {"old": [1, 2, 4]}
    assert old.rejections == {}
    assert (Path(col.url) / "zarr.json").read_bytes() == root


def test_the_decisions_are_a_zarr_sub_group(col):
    """Zarr sees a group where the decisions are (no unrecognised object), its attributes by store row."""
    col.tag([0, 2], "x")
    decisions = col.group["decisions"]
    assert isinstance(decisions, zarr.Group)
    assert decisions.attrs["tags"] == {"x": [int(col.rows[0]), int(col.rows[2])]}


def test_a_store_opened_read_only_refuses_to_tag(col):
    reader = vx.Collection.open(col.url, model=col.model)
    with pytest.raises(StoreError, match="mode='r\\+'"):
        reader.tag([0], "x")
    assert reader.tags == {}


def fiftyone_tree(root: Path) -> list[tuple[str, str | None]]:
    """(file, label) as ``fo.types.ImageClassificationDirectoryTree`` reads a folder: every file under
    a first-level folder, labelled by it; top-level files and names starting with '.' skipped;
    ``_unlabeled`` holds unlabelled images (fiftyone.utils.data.importers, its ``setup``)."""
    found = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if path.is_file() and len(parts) > 1 and not any(p.startswith(".") for p in parts):
            found.append(("/".join(parts), None if parts[0] == "_unlabeled" else parts[0]))
    return found


def test_folders_export_is_the_tree_fiftyone_reads(col, tmp_path):
    paths = col.paths
    duplicates = [i for i, p in enumerate(paths) if Path(p).name.lower() == "same.jpg"]
    assert len(duplicates) == 3
    odd = {"sky/sea": [0, 3], "..": [1], ".": [2], ".hidden": [3], "_unlabeled": [4], "Holiday": [5],
           " a:b*? ": [6]}
    col.tag(duplicates, "holiday")
    for tag, indices in odd.items():
        col.tag(indices, tag)
    col.reject([7], "holiday")
    with pytest.warns(UserWarning, match="renamed") as warned:
        out = col.export_tags(tmp_path / "export")  # no suffix: folders
    assert "sky/sea" in str(warned[0].message)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    folders = manifest["folders"]
    assert sorted(folders.values()) == sorted(col.tags)
    assert folders == {"_": ".", "_-2": "..", "_.hidden": ".hidden", "Holiday": "Holiday",  # tags sorted
                       "_unlabeled-2": "_unlabeled", "a_b__": "a:b*?", "holiday-2": "holiday",
                       "sky_sea": "sky/sea"}
    read = fiftyone_tree(out)
    assert all(label is not None for _, label in read)  # nothing landed in FiftyOne's _unlabeled
    assert sorted(read) == sorted((name, name.split("/")[0]) for name in manifest["images"])
    got = {(folders[label], manifest["images"][name]) for name, label in read}
    assert got == {(tag, paths[i]) for tag, indices in col.tags.items() for i in indices}
    for name, source in manifest["images"].items():
        assert (out / name).read_bytes() == Path(source).read_bytes(), name
    holiday = sorted(name for name, label in read if label == "holiday-2")
    assert len({n.casefold() for n in holiday}) == 3 and "holiday-2/same.jpg" in holiday
    assert "rejected" not in manifest

    col.untag([duplicates[0]], "holiday")
    with pytest.warns(UserWarning):
        again = col.export_tags(out, decisions=True)  # an earlier export is replaced whole
    assert len([n for n, label in fiftyone_tree(again) if label == "holiday-2"]) == 2
    assert json.loads((again / MANIFEST).read_text(encoding="utf-8"))["rejected"] == {"holiday": [paths[7]]}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no building folder left


def test_folders_export_refuses_a_foreign_folder_and_a_missing_original(col, store, tmp_path):
    col.tag([0, 1], "keep")
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(StoreError, match="not empty"):
        col.export_tags(foreign)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    photos = tmp_path / "photos"
    photos.mkdir()
    copies = [shutil.copyfile(p, photos / f"{n}{Path(p).suffix}") for n, p in enumerate(store.paths[:2])]
    small = vx.Collection.build(copies, store=tmp_path / "small.vsx", model=store.model, progress=False)
    small.tag([0, 1], "keep")
    Path(copies[1]).unlink()
    with pytest.raises(StoreError, match=f"{Path(copies[1]).name}.*restore it, or export the tags as CSV"):
        small.export_tags(tmp_path / "out", format="folders")
    assert not (tmp_path / "out").exists()
    assert small.export_tags(tmp_path / "out.csv").read_text(encoding="utf-8").count("keep") == 2


def test_csv_and_coco_carry_rejections_only_when_asked(col, tmp_path):
    col.tag([0, 3], "lake")
    col.reject([5], "lake")
    col.reject([1], "sky")
    with open(col.export_tags(tmp_path / "plain.csv"), newline="", encoding="utf-8") as fh:
        assert list(csv.reader(fh)) == [["path", "tag"], [col.paths[0], "lake"], [col.paths[3], "lake"]]
    with open(col.export_tags(tmp_path / "all.csv", decisions=True), newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["path", "tag", "decision"]
    assert rows[1:] == [[col.paths[i], tag, kind] for i, tag, kind in
                        [(0, "lake", "tag"), (1, "sky", "reject"), (3, "lake", "tag"), (5, "lake", "reject")]]
    plain = json.loads(col.export_tags(tmp_path / "plain.json").read_text(encoding="utf-8"))
    assert len(plain["annotations"]) == 2 and "attributes" not in plain["annotations"][0]
    coco = json.loads(col.export_tags(tmp_path / "all.json", decisions=True).read_text(encoding="utf-8"))
    names = {c["id"]: c["name"] for c in coco["categories"]}
    decided = sorted((a["image_id"] - 1, names[a["category_id"]], a["attributes"]["decision"])
                     for a in coco["annotations"])
    assert decided == [(0, "lake", "tag"), (1, "sky", "reject"), (3, "lake", "tag"), (5, "lake", "reject")]
    assert {im["id"] - 1 for im in coco["images"]} == {0, 1, 3, 5}
    with pytest.raises(ValueError, match="folders"):
        col.export_tags(tmp_path / "x.txt", format="zip")
