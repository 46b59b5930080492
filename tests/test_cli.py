"""The command line drives the whole loop: train a head on a manifest, evaluate it beside ConSE."""

from __future__ import annotations

import json

from vsexplore.cli import main
from vsexplore.data import Record, write_manifest


def test_info_lists_backbones_and_encoders(capsys):
    assert main(["info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert "efficientnet-lite0" in info["backbones"] and "minilm-l6" in info["encoders"]


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
