"""COCO: RLE decoding against an independent encoder, from_coco on a hand-made file, offline download."""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_loaders import assert_names, write_image

from vsexplore.data.coco import decode_rle, download_coco_subset, from_coco
from vsexplore.data.records import ManifestError


def runs_of(mask: np.ndarray) -> list[int]:
    """Column-major run lengths, background first (a leading 0 when the first pixel is set)."""
    runs, current, length = [], False, 0
    for value in mask.ravel(order="F").tolist():
        if value != current:
            runs.append(length)
            current, length = value, 0
        length += 1
    return runs + [length]


def compress(runs: list[int]) -> str:
    """COCO's string form, written plainly from maskApi.c's rleToString, independent of the decoder."""
    out = []
    for i, x in enumerate(runs):
        if i > 2:
            x -= runs[i - 2]
        more = True
        while more:
            c, x = x & 0x1F, x >> 5
            more = x != -1 if c & 0x10 else x != 0
            out.append(chr((c | 0x20 if more else c) + 48))
    return "".join(out)


def test_decode_rle_hand_checked():
    # uncompressed: column-major runs 1 off, 2 on, 3 off over a 2x3 image
    np.testing.assert_array_equal(decode_rle({"size": [2, 3], "counts": [1, 2, 3]}), [[0, 1, 0], [1, 0, 0]])
    # compressed: "151M" = 1, 5, 1 and then M (29 → -3 with the sign bit) + 5 two counts back = 2
    assert compress([1, 5, 1, 2]) == "151M"
    expected = [[0, 1, 0], [1, 1, 1], [1, 1, 1]]
    np.testing.assert_array_equal(decode_rle({"size": [3, 3], "counts": "151M"}), expected)
    # "X1" = 8 + (1 << 5) = 40: a two-group number; "0" first means the image starts foreground
    assert compress([0, 40]) == "0X1"
    assert decode_rle({"size": [8, 5], "counts": "0X1"}).all()
    assert decode_rle({"size": [8, 5], "counts": b"0X1"}).all()


def test_decode_rle_round_trips_the_reference_encoder():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:240, :320]
    masks = [
        np.zeros((5, 7), bool),
        np.ones((5, 7), bool),
        rng.random((17, 23)) < 0.5,
        (yy - 100) ** 2 + (xx - 150) ** 2 < 90**2,  # long runs: multi-group numbers, negative deltas
        ((yy // 37 + xx // 53) % 2 == 0) & (rng.random((240, 320)) < 0.97),
    ]
    for mask in masks:
        runs = runs_of(mask)
        for counts in (runs, compress(runs)):
            decoded = decode_rle({"size": list(mask.shape), "counts": counts})
            assert decoded.dtype == bool and decoded.shape == mask.shape
            np.testing.assert_array_equal(decoded, mask)


@pytest.mark.parametrize(
    ("rle", "problem"),
    [
        ({"size": [2, 2], "counts": "1 3"}, "outside '0'..'o'"),
        ({"size": [2, 2], "counts": "1\u00b33"}, "outside '0'..'o'"),
        ({"size": [2, 2], "counts": "1X"}, "middle of a number"),
        ({"size": [2, 2], "counts": "o" * 12 + "0"}, "longer than 60 bits"),
        ({"size": [2, 2], "counts": [1, 2]}, "sum to 2x2, got 3"),
        ({"size": [2, 2], "counts": [5, -1]}, "non-negative"),
        ({"size": [2, 2], "counts": [1.5, 2.5]}, "list of integers"),
        ({"size": [2], "counts": [4]}, "height, width"),
    ],
)
def test_decode_rle_rejects_malformed(rle, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        decode_rle(rle)


def rectangle(shape: tuple[int, int], rows: slice, cols: slice) -> np.ndarray:
    mask = np.zeros(shape, bool)
    mask[rows, cols] = True
    return mask


H, W = 20, 30
DOG_RLE = rectangle((H, W), slice(14, 18), slice(20, 28))
CROWD = rectangle((H, W), slice(0, 3), slice(15, 30))


def coco_data() -> dict:
    """Three images: persons (polygon + crowd RLE) and dogs (RLE + polygon); none; a box-only light."""
    return {
        "info": {"description": "fixture"},
        "images": [
            {"id": 1, "file_name": "a.jpg", "height": H, "width": W},
            {"id": 2, "file_name": "sub/b.jpg", "height": 10, "width": 10},
            {"id": 3, "file_name": "c.jpg", "height": 10, "width": 10},
        ],
        "categories": [
            {"id": 18, "name": "dog"}, {"id": 1, "name": "person"}, {"id": 10, "name": "traffic light"},
        ],
        "annotations": [
            {"id": 101, "image_id": 1, "category_id": 1, "iscrowd": 0,
             "bbox": [2, 2, 8, 10], "segmentation": [[2, 2, 10, 2, 10, 12, 2, 12]]},
            {"id": 102, "image_id": 1, "category_id": 18, "iscrowd": 0,
             "bbox": [20, 14, 8, 4], "segmentation": {"size": [H, W], "counts": runs_of(DOG_RLE)}},
            {"id": 103, "image_id": 1, "category_id": 18, "iscrowd": 0,
             "bbox": [22.5, 5.0, 4.0, 3.0], "segmentation": [[22, 5, 26, 5, 26, 8, 22, 8]]},
            {"id": 104, "image_id": 1, "category_id": 1, "iscrowd": 1,
             "bbox": [15, 0, 15, 3], "segmentation": {"size": [H, W], "counts": compress(runs_of(CROWD))}},
            {"id": 105, "image_id": 3, "category_id": 10, "iscrowd": 0,
             "bbox": [1, 2, 3, 4], "segmentation": []},
        ],
    }  # fmt: skip


def read_mask(path: str) -> np.ndarray:
    with Image.open(path) as img:
        assert img.mode == "L"
        arr = np.asarray(img)
    assert set(np.unique(arr)) <= {0, 255}
    return arr > 0


def test_from_coco_labels_boxes_and_union_masks(tmp_path):
    annotations = tmp_path / "instances.json"
    annotations.write_text(json.dumps(coco_data()))
    records = from_coco(annotations, tmp_path / "images", tmp_path / "masks")
    images = (tmp_path / "images").resolve()
    assert [r.path for r in records] == [os.fspath(images / n) for n in ("a.jpg", "sub/b.jpg", "c.jpg")]
    first, second, third = records
    assert first.labels == ["person", "dog"]  # by category id
    assert first.boxes == {"person": [(2, 2, 10, 12)], "dog": [(20, 14, 28, 18), (22.5, 5, 26.5, 8)]}
    person = rectangle((H, W), slice(2, 13), slice(2, 11)) | CROWD  # polygon edges are inclusive
    dog = DOG_RLE | rectangle((H, W), slice(5, 9), slice(22, 27))
    np.testing.assert_array_equal(read_mask(first.masks["person"]), person)
    np.testing.assert_array_equal(read_mask(first.masks["dog"]), dog)
    assert Path(first.masks["dog"]).parent == (tmp_path / "masks").resolve()
    assert (second.labels, second.masks, second.boxes) == ([], {}, {})
    assert (third.labels, third.masks, third.boxes) == (
        ["traffic light"],
        {},
        {"traffic light": [(1, 2, 4, 6)]},
    )


def broken(section: str, index: int, **changes: object) -> dict:
    """The fixture with one entry changed; a change to None removes the key."""
    data = coco_data()
    entry = data[section][index]
    for key, value in changes.items():
        if value is None:
            del entry[key]
        else:
            entry[key] = value
    return data


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        ([1, 2], None, "top level must be a JSON object"),
        ({**coco_data(), "annotations": None}, "annotations", "missing or not a list"),
        (broken("categories", 1, name=None), "name", "category 1: missing"),
        (broken("images", 0, width="30"), "width", "image 1: missing or of the wrong type ('30')"),
        (broken("annotations", 0, id=None), "id", "annotation #0: missing"),
        (broken("annotations", 1, category_id=None), "category_id", "annotation 102: missing"),
        (broken("annotations", 1, category_id=99), "category_id", "annotation 102: unknown category id 99"),
        (broken("annotations", 2, image_id=7), "image_id", "annotation 103: unknown image id 7"),
        (broken("annotations", 0, segmentation=[[1, 2, 3]]), "segmentation", "annotation 101: each polygon"),
        (broken("annotations", 0, segmentation="x"), "segmentation", "101: expected a list of polygons"),
        (broken("annotations", 1, segmentation={"size": [W, H], "counts": runs_of(DOG_RLE)}),
         "segmentation", "annotation 102: RLE size [30, 20] differs"),
        (broken("annotations", 3, segmentation={"size": [H, W], "counts": "1X"}),
         "segmentation", "annotation 104: compressed counts end"),
        (broken("annotations", 2, bbox=[1, 2, 3]), "bbox", "annotation 103: expected [x, y, width, height]"),
        (broken("annotations", 2, iscrowd=2), "iscrowd", "annotation 103: expected 0 or 1"),
    ],
)  # fmt: skip
def test_from_coco_errors_name_file_and_field(tmp_path, data, field, problem):
    annotations = tmp_path / "instances.json"
    annotations.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match=re.escape(problem)) as err:
        from_coco(annotations, tmp_path, tmp_path / "masks")
    assert_names(err, annotations, None, field)


def test_from_coco_invalid_json_names_the_line(tmp_path):
    annotations = tmp_path / "instances.json"
    annotations.write_text('{\n  "images": [,\n')
    with pytest.raises(ManifestError, match="not valid JSON") as err:
        from_coco(annotations, tmp_path, tmp_path / "masks")
    assert_names(err, annotations, 2, None)


def coco_server(root: Path) -> Path:
    """A local copy of images.cocodataset.org: the annotations zip and the three val2017 images."""
    with zipfile.ZipFile(root / "annotations" / "annotations_trainval2017.zip", "w") as zf:
        zf.writestr("annotations/instances_val2017.json", json.dumps(coco_data()))
        zf.writestr("annotations/captions_val2017.json", "{}")
    for i, image in enumerate(coco_data()["images"]):
        write_image(
            root / "val2017" / image["file_name"], (40 * i, 90, 200), (image["width"], image["height"])
        )
    return root


@pytest.fixture
def server(tmp_path) -> Path:
    (tmp_path / "server" / "annotations").mkdir(parents=True)
    return coco_server(tmp_path / "server")


def test_download_coco_subset_is_resumable_and_restricted(tmp_path, server):
    calls = []

    def fetch(url: str, dest: Path) -> None:
        calls.append(url)
        assert dest.name.endswith(".part") and not dest.with_suffix("").exists()
        dest.write_bytes((server / url.removeprefix("https://coco.test/")).read_bytes())

    out = tmp_path / "coco"
    assert download_coco_subset(out, n=2, seed=1, fetch=fetch, base_url="https://coco.test") == out
    assert calls[0] == "https://coco.test/annotations/annotations_trainval2017.zip"
    subset = json.loads((out / "instances_val2017_subset.json").read_text())
    chosen = {image["id"] for image in subset["images"]}
    assert len(chosen) == 2 and {a["image_id"] for a in subset["annotations"]} <= chosen
    assert subset["categories"] == coco_data()["categories"] and subset["info"] == coco_data()["info"]
    assert sorted(calls[1:]) == sorted(
        f"https://coco.test/val2017/{i['file_name']}" for i in subset["images"]
    )
    assert not list(out.rglob("*.part"))

    records = from_coco(out / "instances_val2017_subset.json", out / "val2017", tmp_path / "masks")
    assert all(Path(r.path).is_file() for r in records) and len(records) == 2

    calls.clear()
    download_coco_subset(out, n=2, seed=1, fetch=fetch, base_url="https://coco.test")
    assert calls == []  # everything present: nothing fetched again
    first = out / "val2017" / subset["images"][0]["file_name"]
    first.unlink()
    first.with_name(first.name + ".part").write_bytes(b"half a file")
    download_coco_subset(out, n=2, seed=1, fetch=fetch, base_url="https://coco.test")
    assert calls == [f"https://coco.test/val2017/{subset['images'][0]['file_name']}"]
    assert first.read_bytes() == (server / "val2017" / first.relative_to(out / "val2017")).read_bytes()


def test_download_coco_subset_failed_fetch_leaves_no_file(tmp_path, server):
    def fetch(url: str, dest: Path) -> None:
        dest.write_bytes(b"partial")
        raise ConnectionError("network down")

    with pytest.raises(ConnectionError):
        download_coco_subset(tmp_path / "coco", n=1, fetch=fetch, base_url="https://coco.test")
    assert not (tmp_path / "coco" / "annotations_trainval2017.zip").exists()


def test_download_coco_subset_default_fetch_from_file_urls(tmp_path, server):
    out = download_coco_subset(tmp_path / "coco", n=5, base_url=server.as_uri())
    subset = json.loads((out / "instances_val2017_subset.json").read_text())
    assert len(subset["images"]) == 3 and len(subset["annotations"]) == 5
    with Image.open(out / "val2017" / "sub" / "b.jpg") as img:
        assert img.size == (10, 10)


def test_download_coco_subset_split_missing_from_archive(tmp_path, server):
    with pytest.raises(ManifestError, match="not in the archive") as err:
        download_coco_subset(tmp_path / "coco", split="test2017", base_url=server.as_uri())
    zip_path = os.fspath(tmp_path / "coco" / "annotations_trainval2017.zip")
    assert zip_path in str(err.value) and "annotations/instances_test2017.json" in str(err.value)
