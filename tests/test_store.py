"""Collections on real photos: build, reopen, resume after kill -9, add, analyses, tags, Dask."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.stats import spearmanr

import vsexplore as vx
from vsexplore.data.backgrounds import backgrounds
from vsexplore.store import PER_IMAGE, StoreError
from vsexplore.store.codec import from_bf16_bits

pytestmark = pytest.mark.slow
LABELS = ["sky", "water", "tree", "person", "building", "grass", "flower", "stormy", "dark"]


@pytest.fixture(scope="session")
def photo_folder(tmp_path_factory) -> Path:
    """48 real photos (Debian photo packages), two of them in a sub-folder."""
    root = tmp_path_factory.mktemp("photos")
    views = backgrounds()[::2][:48]
    for n, view in enumerate(views):
        target = root / ("sub" if n < 2 else "") / view.path.name
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(view.path, target)
    (root / "notes.txt").write_text("not an image; ignored by extension\n")
    return root


@pytest.fixture(scope="session")
def model():
    return vx.load_collection_model()


@pytest.fixture(scope="session")
def col(photo_folder, model, tmp_path_factory) -> vx.Collection:
    store = tmp_path_factory.mktemp("stores") / "photos.vsx"
    return vx.Collection.build(photo_folder, store=store, model=model, chunk_size=16, progress=False)


def test_build_embeds_every_photo_with_metadata(col, photo_folder):
    assert len(col) == 48 and col.failures == []
    assert sorted(col.paths) == sorted(str(p) for p in photo_folder.rglob("*.jpg"))
    for i in (0, 17, 47):
        with Image.open(col.paths[i]) as original:
            assert tuple(col.sizes()[i]) == original.size
        thumb = Image.open(BytesIO(col.thumbnail(i)))
        assert thumb.format == "JPEG" and max(thumb.size) == 128
    import hashlib

    row = int(col.rows[3])
    stored = bytes(col.group["sha1"][row : row + 1][0])
    assert stored == hashlib.sha1(Path(col.paths[3]).read_bytes()).digest()


def test_store_scores_agree_with_exact_scores(col, model):
    """The compression costs little: Spearman ≥ 0.99 per label against the model on the files."""
    stored = col.scores(LABELS)
    exact = model.score(col.paths, LABELS)
    rho = [spearmanr(stored[:, j], exact[:, j])[0] for j in range(len(LABELS))]
    assert min(rho) >= 0.99, dict(zip(LABELS, np.round(rho, 4), strict=True))


def test_bytes_per_image_within_budget(col):
    per_image = sum(
        f.stat().st_size for f in Path(col.url).rglob("*") if f.is_file() and "codec" not in f.parts
    ) / len(col)
    assert per_image <= 16 * 1024


def test_reopen_without_the_source_images(col, photo_folder, tmp_path):
    moved = tmp_path / "moved.vsx"
    shutil.copytree(col.url, moved)
    hidden = photo_folder.with_name(photo_folder.name + "-hidden")
    photo_folder.rename(hidden)
    try:
        reopened = vx.Collection.open(moved, model=col.model)
        assert len(reopened) == len(col)
        np.testing.assert_allclose(reopened.scores(["sky"]), col.scores(["sky"]), atol=1e-6)
        assert reopened.image(0).size == Image.open(BytesIO(col.thumbnail(0))).size  # from the thumbnail
    finally:
        hidden.rename(photo_folder)


def test_wrong_model_is_refused(col, model):
    import torch

    other = vx.load_collection_model()
    with torch.no_grad():
        other.net.head.bias.add_(0.01)
    with pytest.raises(StoreError, match="different model"):
        vx.Collection.open(col.url, model=other)
    with pytest.raises(StoreError, match="no vsexplore store"):
        vx.Collection.open(Path(col.url).parent / "nothing-here.vsx", model=model)


def test_analyses_answer_from_the_store(col):
    i = 5
    width, height = col.sizes()[i]
    maps = col.heatmaps(i, ["sky", "tree"])
    assert maps.shape == (2, height, width) and 0 <= maps.min() and maps.max() <= 1
    seg = col.weak_segmentation(i, ["sky", "tree"], threshold=0.5, size=(70, 70))
    assert seg.shape == (70, 70) and set(np.unique(seg)) <= {0, 1, 2}
    assert len(np.unique(col.segment(i, k=2))) == 2 and len(np.unique(col.segment(i, k=4))) == 4
    assert col.diversity().shape == (len(col),) and (col.diversity() > 0).all()
    coords, ratios = col.pca(3)
    assert coords.shape == (len(col), 3) and ratios[0] >= ratios[1] >= ratios[2] > 0
    assignment, margin = col.clusters(["sky", "person", "flower"])
    assert set(assignment) <= {0, 1, 2} and (margin >= 0).all()


def test_similar_and_painted_search_find_the_right_photos(model, photo_folder, tmp_path):
    """A mirrored copy is the nearest neighbour; painting sky on top prefers upright photos."""
    skies = ["sky"]
    col = vx.Collection.build(photo_folder, store=tmp_path / "a.vsx", model=model, progress=False)
    sky_maps = col.label_maps(range(len(col)), skies)[:, 0]
    top_heavy = np.argsort(-(sky_maps[:, :2].mean((1, 2)) - sky_maps[:, -2:].mean((1, 2))))[:3]
    folder = tmp_path / "pairs"
    folder.mkdir()
    for n, i in enumerate(top_heavy):
        with Image.open(col.paths[i]) as im:
            im.save(folder / f"{n}-upright.jpg", quality=92)
            im.transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(folder / f"{n}-upside-down.jpg", quality=92)
            im.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / f"{n}-mirrored.jpg", quality=92)
    pairs = vx.Collection.build(folder, store=tmp_path / "b.vsx", model=model, progress=False)
    names = [Path(p).name for p in pairs.paths]
    grid = np.array([[1.0, 1.0], [0.0, 0.0], [-1.0, -1.0]])
    result = pairs.search({"sky": grid}, top=len(pairs))
    ranked = [names[i] for i in result.indices]
    for n in range(3):
        assert ranked.index(f"{n}-upright.jpg") < ranked.index(f"{n}-upside-down.jpg")
        near, _ = pairs.similar(names.index(f"{n}-upright.jpg"), n=1)
        assert names[near[0]] == f"{n}-mirrored.jpg"
    assert result.maps.shape == (len(pairs), 1, 7, 7)
    assert np.all(np.diff(result.scores) <= 0)


def test_add_appends_new_images_only(model, photo_folder, tmp_path):
    files = sorted(str(p) for p in photo_folder.glob("*.jpg"))
    col = vx.Collection.build(files[:10], store=tmp_path / "c.vsx", model=model, chunk_size=4, progress=False)
    before = col.scores(["sky"])
    col.add(files[5:14])
    assert col.paths == files[:14]
    np.testing.assert_allclose(col.scores(["sky"])[:10], before, atol=1e-6)
    again = vx.Collection.build(files[:14], store=tmp_path / "c.vsx", model=model, progress=False)
    assert len(again) == 14


def test_tags_persist_and_export(col, tmp_path):
    col.tag([0, 3, 5], "holiday")
    col.tag([3], "<b>odd & tag</b>")
    col.untag([5], "holiday")
    reopened = vx.Collection.open(col.url, model=col.model)
    assert reopened.tags == {"holiday": [0, 3], "<b>odd & tag</b>": [3]}
    with open(reopened.export_tags(tmp_path / "tags.csv"), newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["path", "tag"] and len(rows) == 4
    assert [r[1] for r in rows[1:]] == ["holiday", "<b>odd & tag</b>", "holiday"]
    coco = json.loads(reopened.export_tags(tmp_path / "tags.json").read_text(encoding="utf-8"))
    assert {c["name"] for c in coco["categories"]} == {"holiday", "<b>odd & tag</b>"}
    assert len(coco["annotations"]) == 3 and len(coco["images"]) == 2
    for tag in ("holiday", "<b>odd & tag</b>"):
        col.untag(range(len(col)), tag)
    with pytest.raises(ValueError, match="non-empty"):
        col.tag([0], "  ")


BUILD_SCRIPT = """
import sys, vsexplore as vx
vx.Collection.build(sys.argv[1], store=sys.argv[2], model=vx.load_collection_model(),
                    chunk_size=4, fit_images=8, progress=False)
"""


def test_kill_9_then_rerun_finishes_without_loss_or_duplicates(model, photo_folder, tmp_path):
    store = tmp_path / "killed.vsx"
    proc = subprocess.Popen([sys.executable, "-c", BUILD_SCRIPT, str(photo_folder), str(store)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done_dir = store / "done" / "c"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if done_dir.exists() and len(list(done_dir.iterdir())) >= 4:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the build finished before it could be killed; use more photos"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    half = vx.Collection.open(store, model=model)
    assert 0 < int(np.asarray(half.group["done"][...]).sum()) < half.n_chunks
    resumed = vx.Collection.build(photo_folder, store=store, model=model, progress=False)
    fresh = vx.Collection.build(photo_folder, store=tmp_path / "fresh.vsx", model=model, chunk_size=4,
                                fit_images=8, progress=False)
    assert resumed.paths == fresh.paths and len(set(resumed.paths)) == 48
    for name in ("score_vectors", "codes", "steps", "pooled", "sha1", "status"):
        np.testing.assert_array_equal(resumed.group[name][...], fresh.group[name][...], err_msg=name)


def test_bad_inputs_are_listed_and_the_job_completes(model, photo_folder, tmp_path):
    from bad_inputs import build_bad_corpus, vanish

    corpus = build_bad_corpus(tmp_path / "bad")
    paths = [case.path for case in corpus.values()] + [str(p) for p in sorted(photo_folder.glob("*.jpg"))[:3]]
    vanish(corpus["vanishing"])  # listed, then gone before its turn
    col = vx.Collection.build(paths, store=tmp_path / "bad.vsx", model=model, progress=False)
    failed = dict(col.failures)
    for name, case in corpus.items():
        if name == "vanishing":
            assert "no such file" in failed[case.path]
        elif case.expect == "ok":
            assert case.path in col.paths, name
            assert col.sizes()[col.paths.index(case.path)].tolist() == list(case.upright.shape[1::-1]), name
        else:
            assert case.reason in failed[case.path], (name, failed.get(case.path))
    assert len(col) + len(failed) == len(paths)
    assert col.scores(["sky"]).shape == (len(col), 1)
    non_utf8 = col.paths.index(corpus["non_utf8_name"].path)
    assert col.display_name(non_utf8) == "caf\\xe9.jpg"
    reopened = vx.Collection.open(col.url, model=model)
    assert reopened.paths == col.paths and dict(reopened.failures) == failed


def assert_same_rows(a, b) -> None:
    """Two stores of the same photos hold the same rows, up to float rounding: another process, thread
    count or CPU rounds float sums differently, so a few values differ in their last bits — compared as
    values (near zero a bfloat16 bit pattern moves many units for a tiny change)."""
    for name in ("sha1", "status", "width", "height"):
        np.testing.assert_array_equal(a.group[name][...], b.group[name][...], err_msg=name)
    x, y = (from_bf16_bits(g["score_vectors"][...]).float().numpy() for g in (a.group, b.group))
    np.testing.assert_allclose(x, y, rtol=2**-7, atol=2**-8 * np.abs(y).mean())
    for name in ("codes", "pooled"):
        x, y = (g[name][...].astype(np.int32) for g in (a.group, b.group))
        assert np.abs(x - y).max() <= 1 and (x != y).mean() < 0.01, name
    np.testing.assert_allclose(a.group["steps"][...], b.group["steps"][...], rtol=2e-3)


def test_dask_cluster_gives_the_same_store_and_answers(model, photo_folder, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    options = {"model": model, "chunk_size": 8, "fit_images": 16, "progress": False}
    local = vx.Collection.build(photo_folder, store=tmp_path / "local.vsx", **options)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = vx.Collection.build(photo_folder, store=tmp_path / "dask.vsx", client=client, **options)
        remote_scores = remote.scores(LABELS, client=client)
        remote_search = remote.search({"sky": [[1], [-1]]}, top=10, client=client)
    np.testing.assert_array_equal(remote.group["path"][...], local.group["path"][...])
    # workers run torch on one thread and one chunk per batch, this process on two threads
    assert_same_rows(remote, local)
    # on one machine the workers read the caller's mirror: the in-process answers, to float32 rounding
    # (a product over 8 rows and one over all of them may round the last bit differently)
    assert local._stored.mirrored("score_vectors")
    in_process = vx.Collection.open(remote.url, model=model).scores(LABELS)
    np.testing.assert_allclose(remote_scores, in_process, rtol=0, atol=1e-6)
    np.testing.assert_allclose(remote_scores, local.scores(LABELS), atol=5e-3)  # two builds: bf16 rounding
    np.testing.assert_array_equal(remote_search.indices, local.search({"sky": [[1], [-1]]}, top=10).indices)


def test_fsspec_urls_and_concurrent_readers(model, photo_folder, tmp_path):
    """Stores live at any fsspec URL; several processes read one store at once."""
    files = sorted(str(p) for p in photo_folder.glob("*.jpg"))[:6]
    in_memory = vx.Collection.build(files, store="memory://vsexplore-test/a.vsx", model=model, progress=False)
    local = vx.Collection.build(files, store=f"file://{tmp_path}/b.vsx", model=model, progress=False)
    # a remote store has no memory-mapped mirror: bfloat16 score vectors against the local mirror's int8
    assert in_memory._stored.mirror is None and local._stored.mirrored("score_vectors")
    np.testing.assert_allclose(in_memory.scores(["sky"]), local.scores(["sky"]), atol=5e-3)
    reader = ("import sys, json, vsexplore as vx; col = vx.Collection.open(sys.argv[1], "
              "model=vx.load_collection_model()); print(json.dumps(col.scores(['sky'])[:, 0].tolist()))")
    procs = [subprocess.Popen([sys.executable, "-c", reader, str(tmp_path / "b.vsx")], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True) for _ in range(2)]
    mine = local.scores(["sky"])[:, 0]
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        np.testing.assert_allclose(json.loads(out.strip().splitlines()[-1]), mine, atol=1e-6)


def test_recent_label_scores_are_remembered(col, monkeypatch):
    first = col.scores(["lighthouse", "sky"])
    monkeypatch.setattr(col._stored, "score_vectors", lambda: pytest.fail("read the score vectors again"))
    np.testing.assert_array_equal(col.scores(["sky", "lighthouse"]), first[:, ::-1])
    assert col.scores([]).shape == (len(col), 0)


def test_more_labels_than_the_score_cache_holds(col):
    """Asking for more labels at once than are remembered still answers every one (was a KeyError)."""
    many = [f"{word} {n}" for n in range(40) for word in ("red", "old")]  # 80 > SCORE_CACHE_LABELS
    together = col.scores(many)
    assert together.shape == (len(col), 80)
    np.testing.assert_allclose(together[:, :5], col.scores(many[:5]), atol=1e-6)


def test_query_arrays_are_read_once_and_kept(col, monkeypatch):
    """The second new label and the second search read nothing from the store."""
    col.refresh()
    col.scores(["harbour"])
    col.search({"sky": [[1], [-1]]})
    monkeypatch.setattr(col._stored, "read_embedded", lambda *a: pytest.fail("read the store again"))
    col.scores(["meadow"])
    col.search({"water": [[-1], [1]]})


FIXTURE_STORE = Path(__file__).parent / "data" / "store-0.1.vsx"  # built by vsexplore 0.1 before the store
FIXTURE_PHOTOS = slice(0, 16, 2)  # moved into a package: backgrounds()[0:16:2], chunks of 4, codec on all 8


def test_a_store_built_before_the_move_opens_with_identical_arrays_and_answers(tmp_path):
    model = vx.load_model()
    model.calibration = None  # the head it was built with: the shipped head before its calibration
    old = vx.Collection.open(FIXTURE_STORE, model=model)
    photos = [view.path for view in backgrounds()[FIXTURE_PHOTOS]]
    new = vx.Collection.build(photos, store=tmp_path / "new.vsx", model=model, chunk_size=4, fit_images=8,
                              progress=False)
    assert len(old) == len(new) == 8
    assert [Path(p).name for p in old.paths] == [Path(p).name for p in new.paths]
    # Built on another machine: its bfloat16 kernels round differently (score vectors agree to 1 % of
    # their spread), and the codec, a PCA of 8 photos' locations, may turn its near-tied directions;
    # what must agree is what users see: the rows, their scores, searches, maps and segments.
    assert set(PER_IMAGE) <= set(old.group) and set(PER_IMAGE) <= set(new.group)
    for name in ("sha1", "status", "width", "height", "thumb"):
        np.testing.assert_array_equal(old.group[name][...], new.group[name][...], err_msg=name)
    x, y = (from_bf16_bits(c.group["score_vectors"][...]).float().numpy() for c in (old, new))
    assert np.abs(x - y).mean() < 0.02 * y.std() and np.corrcoef(x.ravel(), y.ravel())[0, 1] > 0.9995
    for name, tensor in old.codec.tensors().items():
        assert tensor.shape == new.codec.tensors()[name].shape, name
    old_attrs, new_attrs = (json.loads(json.dumps(c.group.attrs.asdict())) for c in (old, new))
    assert old_attrs == {k: v for k, v in new_attrs.items() if k != "mirror"}  # new stores have a mirror
    assert old._stored.mirror is None and new._stored.mirror is not None  # a read-only old store has none
    np.testing.assert_allclose(old.scores(LABELS), new.scores(LABELS), atol=1e-2)
    painted = {"sky": [[1], [0], [-1]], "water": [[-1], [1]]}
    a, b = old.search(painted, top=5), new.search(painted, top=5)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_allclose(a.scores, b.scores, atol=0.05)  # sums over 49 cells
    np.testing.assert_allclose(a.maps, b.maps, atol=5e-2)
    np.testing.assert_array_equal(old.segment(3, k=3), new.segment(3, k=3))


def test_the_map_grid_follows_the_backbone_at_any_input_size(photo_folder, tmp_path):
    """At 240 px EfficientNet's last conv map is 8×8 (each stride-2 stage rounds up), not 240 // 32."""
    model = vx.load_collection_model(input_size=240)
    files = sorted(str(p) for p in photo_folder.glob("*.jpg"))[:3]
    col = vx.Collection.build(files, store=tmp_path / "240.vsx", model=model, progress=False)
    assert col.grid == (8, 8) and col.label_maps([0], ["sky"]).shape == (1, 1, 8, 8)
    exact = model.heatmaps(files[0], ["sky"], size=(8, 8))
    assert spearmanr(col.label_maps([0], ["sky"]).ravel(), exact.ravel())[0] > 0.9


def test_image_returns_the_original_only_while_it_is_unchanged(col, photo_folder, tmp_path, model):
    files = sorted(str(p) for p in photo_folder.glob("*.jpg"))[:2]
    copies = [tmp_path / Path(f).name for f in files]
    for f, c in zip(files, copies, strict=True):
        shutil.copyfile(f, c)
    small = vx.Collection.build([str(c) for c in copies], store=tmp_path / "two.vsx", model=model,
                                progress=False)
    assert small.image(0).size == Image.open(copies[0]).size  # unchanged: the original
    Image.new("RGB", (300, 200), "red").save(copies[0], "JPEG")  # same path, another photo
    thumb = Image.open(BytesIO(small.thumbnail(0)))
    assert small.image(0).size == thumb.size and small.image(0).getpixel((5, 5)) != (254, 0, 0)
