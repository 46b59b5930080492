"""Folder, CSV, NUS-WIDE and VOC loaders on small fixtures written here; every malformed input."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vsexplore.data.loaders import VOC_CLASSES, from_csv, from_folder, from_nus_wide, from_voc
from vsexplore.data.records import ManifestError


def write_image(
    path: Path, color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (8, 6)
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def assert_names(err: pytest.ExceptionInfo, file: Path, line: int | None, field: str | None) -> None:
    """The message names the file, the line and the field (each when there is one)."""
    message = str(err.value)
    assert os.fspath(file) in message
    rest = message.replace(os.fspath(file), "")
    assert (f"line {line}:" in rest or f"line {line}," in rest) if line is not None else ("line" not in rest)
    assert (f"field {field!r}" in rest) if field is not None else ("field" not in rest)
    assert (err.value.file, err.value.line, err.value.field) == (os.fspath(file), line, field)


def test_from_folder_labels_by_top_level_subfolder(tmp_path):
    root = tmp_path / "photos"
    write_image(root / "dog" / "b.jpg")
    write_image(root / "dog" / "puppies" / "a.PNG")
    write_image(root / "cat" / "z.jpeg")
    write_image(root / "loose.webp")
    write_image(root / ".thumbs" / "x.jpg")
    write_image(root / "cat" / ".hidden.jpg")
    (root / "cat" / "notes.txt").write_text("not an image")
    records = from_folder(root)
    rel = [(Path(r.path).relative_to(root.resolve()).as_posix(), r.labels) for r in records]
    assert rel == [
        ("cat/z.jpeg", ["cat"]),
        ("dog/b.jpg", ["dog"]),
        ("dog/puppies/a.PNG", ["dog"]),
        ("loose.webp", []),
    ]
    assert all(os.path.isabs(r.path) and not r.masks and not r.boxes for r in records)
    with pytest.raises(NotADirectoryError):
        from_folder(tmp_path / "missing")


def test_from_csv_resolves_paths_and_splits_labels(tmp_path):
    elsewhere = write_image(tmp_path / "elsewhere" / "far.jpg")
    csv_file = tmp_path / "lists" / "train.csv"
    csv_file.parent.mkdir()
    csv_file.write_text(
        "path, labels ,note\n"
        "img/a.jpg,dog|small boat,x\n"
        '"img/b, with comma.jpg", sky | cloud | sky ,\n'
        "\n"
        f"{elsewhere},,\n"
    )
    records = from_csv(csv_file)
    base = csv_file.parent.resolve()
    assert [(r.path, r.labels) for r in records] == [
        (os.fspath(base / "img/a.jpg"), ["dog", "small boat"]),
        (os.fspath(base / "img/b, with comma.jpg"), ["sky", "cloud"]),
        (os.fspath(elsewhere), []),
    ]


@pytest.mark.parametrize(
    ("text", "line", "field", "problem"),
    [
        ("path,tags\na.jpg,dog\n", 1, "labels", "header"),
        ("file,labels\na.jpg,dog\n", 1, "path", "header"),
        ("path,labels\na.jpg,dog\nb.jpg\n", 3, "labels", "too few columns"),
        ("path,labels\na.jpg,dog\n ,cat\n", 3, "path", "missing"),
        ("path,labels\na.jpg,dog||cat\n", 2, "labels", "empty label"),
        ("path,labels\na.jpg,dog\nb.jpg,cat|\n", 3, "labels", "empty label"),
    ],
)
def test_from_csv_errors_name_file_line_field(tmp_path, text, line, field, problem):
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text(text)
    with pytest.raises(ManifestError, match=problem) as err:
        from_csv(csv_file)
    assert_names(err, csv_file, line, field)


def nus_wide(root: Path, split: str, images: list[str], labels: dict[str, str]) -> None:
    """Write a NUS-WIDE-shaped tree: the image list and one 0/1 file per concept."""
    list_name = {"all": "Imagelist.txt", "train": "TrainImagelist.txt", "test": "TestImagelist.txt"}[split]
    (root / "ImageList").mkdir(parents=True, exist_ok=True)
    (root / "ImageList" / list_name).write_text("\r\n".join(images) + "\r\n")
    folder = root / "Groundtruth" / ("AllLabels" if split == "all" else "TrainTestLabels")
    folder.mkdir(parents=True, exist_ok=True)
    for concept, values in labels.items():
        name = f"Labels_{concept}.txt" if split == "all" else f"Labels_{concept}_{split.title()}.txt"
        (folder / name).write_text("".join(f"{v} \n" for v in values))


def test_from_nus_wide_all_and_train_layouts(tmp_path):
    root = tmp_path / "NUS-WIDE"
    images = [r"actor\0001_2124494179.jpg", r"actor\0002_174174086.jpg", r"sky\0003_1.jpg"]
    nus_wide(root, "all", images, {"sky": "001", "animal": "110", "water": "101"})
    train_list = [
        r"C:\ImageData\Flickr\actor\0001_2124494179.jpg",
        r"C:\ImageData\Flickr\actor\0002_174174086.jpg",
    ]
    nus_wide(root, "train", train_list, {"sky": "01", "animal": "10"})
    records = from_nus_wide(root)
    flickr = root.resolve() / "Flickr"
    assert [(r.path, r.labels) for r in records] == [
        (os.fspath(flickr / "actor/0001_2124494179.jpg"), ["animal", "water"]),
        (os.fspath(flickr / "actor/0002_174174086.jpg"), ["animal"]),
        (os.fspath(flickr / "sky/0003_1.jpg"), ["sky", "water"]),
    ]
    train = from_nus_wide(root, "train", images_dir=tmp_path / "imgs")
    assert [(Path(r.path).name, r.labels) for r in train] == [
        ("0001_2124494179.jpg", ["animal"]),
        ("0002_174174086.jpg", ["sky"]),
    ]
    assert Path(train[0].path).parent == (tmp_path / "imgs" / "actor").resolve()
    nus_wide(root, "test", images[2:], {})  # an image list without label files
    with pytest.raises(FileNotFoundError, match="Labels_<concept>_Test.txt"):
        from_nus_wide(root, "test")
    with pytest.raises(ValueError, match="split"):
        from_nus_wide(root, "val")


@pytest.mark.parametrize(
    ("values", "line", "problem"),
    [
        ("01", 3, "2 lines but Imagelist.txt lists 3 images"),
        ("0110", 4, "4 lines but Imagelist.txt lists 3 images"),
        ("0x1", 2, "expected 0 or 1, got 'x'"),
        ("0-1", 2, "expected 0 or 1, got '-'"),
    ],
)
def test_from_nus_wide_errors_name_file_line_concept(tmp_path, values, line, problem):
    nus_wide(tmp_path, "all", ["a.jpg", "b.jpg", "c.jpg"], {"sky": "010", "water": values})
    with pytest.raises(ManifestError, match=re.escape(problem)) as err:
        from_nus_wide(tmp_path)
    assert_names(err, tmp_path.resolve() / "Groundtruth/AllLabels/Labels_water.txt", line, "water")


def test_from_nus_wide_blank_image_path(tmp_path):
    nus_wide(tmp_path, "all", ["a.jpg", "", "c.jpg"], {"sky": "010"})
    with pytest.raises(ManifestError, match="empty image path") as err:
        from_nus_wide(tmp_path)
    assert_names(err, tmp_path.resolve() / "ImageList/Imagelist.txt", 2, "path")


def voc_palette() -> list[int]:
    """VOC's colour map (class-index bits spread over R, G, B), so fixture PNGs look like the real ones."""
    palette = []
    for index in range(256):
        rgb, c = [0, 0, 0], index
        for shift in range(7, -1, -1):
            for channel in range(3):
                rgb[channel] |= ((c >> channel) & 1) << shift
            c >>= 3
        palette += rgb
    return palette


def voc(root: Path, split: str, segmentations: dict[str, np.ndarray]) -> None:
    """Write a VOC2012-shaped tree: split list, JPEGs and palette PNGs of class indices."""
    (root / "ImageSets" / "Segmentation").mkdir(parents=True, exist_ok=True)
    (root / "ImageSets" / "Segmentation" / f"{split}.txt").write_text("\n".join(segmentations) + "\n\n")
    (root / "SegmentationClass").mkdir(exist_ok=True)
    for image_id, classes in segmentations.items():
        h, w = classes.shape
        write_image(root / "JPEGImages" / f"{image_id}.jpg", size=(w, h))
        png = Image.new("P", (w, h))
        png.putdata(classes.ravel().tolist())
        png.putpalette(voc_palette())
        png.save(root / "SegmentationClass" / f"{image_id}.png")


def test_from_voc_labels_and_mask_files(tmp_path, monkeypatch):
    person, dog, table = (VOC_CLASSES.index(c) for c in ("person", "dog", "diningtable"))
    first = np.zeros((12, 16), np.uint8)
    first[0, 0:3] = table
    first[2:8, 3:7] = person
    first[2:8, 7] = 255  # void boundary: neither class nor background
    first[6:11, 9:15] = dog
    first[5, 9:15] = 255
    second = np.zeros((10, 10), np.uint8)
    voc(tmp_path / "VOC2012", "val", {"2007_000032": first, "2007_000033": second})
    records = from_voc(tmp_path / "VOC2012", mask_dir=tmp_path / "masks")
    assert [Path(r.path).name for r in records] == ["2007_000032.jpg", "2007_000033.jpg"]
    assert records[0].labels == ["dining table", "dog", "person"]  # class-index order, plain phrases
    assert records[1].labels == [] and records[1].masks == {}
    for label, index in (("person", person), ("dog", dog)):
        mask_file = Path(records[0].masks[label])
        assert mask_file.parent == (tmp_path / "masks").resolve()
        with Image.open(mask_file) as img:
            assert img.mode == "L" and img.size == (16, 12)
            np.testing.assert_array_equal(np.asarray(img), np.where(first == index, 255, 0))
    monkeypatch.setenv("VSEXPLORE_CACHE", os.fspath(tmp_path / "cache"))
    default = Path(from_voc(tmp_path / "VOC2012")[0].masks["dog"])
    assert default.parent.parent == (tmp_path / "cache" / "voc-masks").resolve()
    assert default.read_bytes() == Path(records[0].masks["dog"]).read_bytes()


def test_from_voc_missing_files_and_bad_pixels(tmp_path):
    root = tmp_path / "VOC2012"
    bad = np.zeros((4, 4), np.uint8)
    bad[1, 1] = 37
    voc(root, "train", {"a": np.zeros((4, 4), np.uint8), "b": bad})
    split_file = root.resolve() / "ImageSets/Segmentation/train.txt"
    with pytest.raises(ManifestError, match="class index 37") as err:
        from_voc(root, "train", tmp_path / "m")
    assert_names(err, root.resolve() / "SegmentationClass/b.png", None, "pixel")
    (root / "JPEGImages" / "b.jpg").unlink()
    with pytest.raises(ManifestError, match="b.jpg") as err:
        from_voc(root, "train", tmp_path / "m")
    assert_names(err, split_file, 2, "id")
    Image.new("RGB", (4, 4)).save(root / "SegmentationClass" / "a.png")
    with pytest.raises(ManifestError, match="mode RGB") as err:
        from_voc(root, "train", tmp_path / "m")
    assert_names(err, root.resolve() / "SegmentationClass/a.png", None, "mode")
