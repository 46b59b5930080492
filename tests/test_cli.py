"""The command line drives the whole loop: train a head on a manifest, evaluate it beside ConSE."""

from __future__ import annotations

import json

from vsexplore.backbones import BACKBONES, list_backbones
from vsexplore.cli import main
from vsexplore.data import Record, write_manifest
from vsexplore.text import ENCODERS, EncoderSpec, list_encoders, register_encoder


def test_info_lists_backbones_and_encoders(capsys):
    assert main(["info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert set(info) == {"backbones", "encoders", "default_weights", "default_weights_present"}
    assert list(info["backbones"]) == list_backbones() and info["encoders"] == list_encoders()
    assert "efficientnet-lite0" in info["backbones"] and "minilm-l6" in info["encoders"]
    assert info["backbones"]["resnet34"] == BACKBONES["resnet34"].weights_source


def test_info_shows_what_is_registered_later(capsys):
    register_encoder(EncoderSpec("late", "registered by a test", ENCODERS["minilm-l6"].build))
    try:
        assert main(["info"]) == 0
    finally:
        ENCODERS.pop("late")
    assert "late" in json.loads(capsys.readouterr().out)["encoders"]


def test_train_then_eval(photo_files, tmp_path, capsys):
    train = write_manifest(
        [
            Record(photo_files["chelsea"], ["cat", "animal"]),
            Record(photo_files["coffee"], ["cup", "drink"]),
            Record(photo_files["astronaut"], ["person"]),
        ],
        tmp_path / "train.jsonl",
    )
    test = write_manifest(
        [Record(photo_files["rocket"], ["rocket"]), Record(photo_files["chelsea"], ["cat"])],
        tmp_path / "test.jsonl",
    )
    out = tmp_path / "head.safetensors"
    args = [
        "train",
        str(train),
        "--out",
        str(out),
        "--holdout",
        str(test),
        "--epochs",
        "1",
        "--batch-size",
        "4",
    ]
    assert main([*args, "--blocks", "conse,linear", "--head-holdout", "0.5", "--head-epochs", "1"]) == 0
    history = json.loads(capsys.readouterr().out)["history"]
    assert [h["stage"] for h in history] == ["blocks", "head"] and out.exists()
    report_path = tmp_path / "report.json"
    eval_args = [
        "eval",
        str(test),
        "--seen-from",
        str(train),
        "--model",
        str(out),
        "--conse",
        "--classes",
        "",
    ]
    assert main([*eval_args, "--json", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    assert set(report) == {str(out), "ConSE"}
    assert report["ConSE"]["unseen"]["labels"] == 1 and report["ConSE"]["seen"]["labels"] == 1


def test_embed_query_search(photo_files, tmp_path, capsys):
    """embed → query → search on real photos, with a broken file listed, not fatal."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for name, path in photo_files.items():
        (folder / f"{name}.jpg").write_bytes(open(path, "rb").read())
    (folder / "broken.jpg").write_text("not a photo")
    store = str(tmp_path / "photos.vsx")
    assert main(["embed", str(folder), "--store", store, "--chunk-size", "2"]) == 0
    out = capsys.readouterr().out
    assert "4 images embedded" in out and "skipped" in out and "broken.jpg" in out

    assert main(["query", store, "cat", "--top", "2", "--json"]) == 0
    ranking = json.loads(capsys.readouterr().out)
    assert ranking[0]["path"].endswith("chelsea.jpg") and len(ranking) == 2

    assert main(["search", store, "--concept", "person=all", "--concept", "cup=-all", "--json"]) == 0
    ranking = json.loads(capsys.readouterr().out)
    assert ranking[0]["path"].endswith("astronaut.jpg") and ranking[-1]["path"].endswith("coffee.jpg")


def test_grid_language():
    import numpy as np
    import pytest

    from vsexplore.grids import parse_concepts, parse_grid

    assert parse_grid("top").tolist() == [[1, 1, 1], [0, 0, 0], [0, 0, 0]]
    assert (parse_grid("-all") == -1).all()
    assert parse_grid("bottom-left+center")[2, 0] == 1 and parse_grid("bottom-left+center")[1, 1] == 1
    np.testing.assert_array_equal(parse_grid("1,0;0,-1"), [[1, 0], [0, -1]])
    assert set(parse_concepts(["red car=bottom", "sky=top"])) == {"red car", "sky"}
    for bad in ["", "sideways", "2,0;0,1", "1,0;1"]:
        with pytest.raises(ValueError):
            parse_grid(bad)
    with pytest.raises(ValueError, match="LABEL=GRID"):
        parse_concepts(["sky"])


def test_lab_writes_an_explorer_notebook_that_runs(photo_files, tmp_path, monkeypatch):
    """vsexplore lab DIR: a notebook that embeds DIR and shows the widgets; JupyterLab keeps its token."""
    import nbformat
    from nbclient import NotebookClient

    from vsexplore import lab

    folder = tmp_path / "my photos"
    folder.mkdir()
    for name, path in photo_files.items():
        (folder / f"{name}.jpg").write_bytes(open(path, "rb").read())
    launched = {}
    monkeypatch.setattr(lab.subprocess, "call", lambda command, cwd: launched.update(command=command) or 0)
    assert main(["lab", str(folder), "--workdir", str(tmp_path)]) == 0
    command = launched["command"]
    assert "--ip=127.0.0.1" in command and not any("token" in part.lower() for part in command)
    notebook_path = tmp_path / command[3]
    notebook = nbformat.read(str(notebook_path), as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert "4 images" in str(outputs)


def test_errors_print_one_line_and_exit_non_zero(tmp_path):
    """A vsexplore error (here: no store at that path) is one line on stderr, no traceback, exit 2."""
    import subprocess
    import sys

    missing = tmp_path / "nowhere.vsx"
    proc = subprocess.run([sys.executable, "-m", "vsexplore.cli", "query", str(missing), "sky"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"vsexplore: {missing}: no vsexplore store here; build one with "
        "vx.Collection.build(folder, store=...)"
    ]
