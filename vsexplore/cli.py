"""The ``vsexplore`` command. Each sub-command lives in a small ``_cmd_*`` function."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cmd_info(args: argparse.Namespace) -> int:
    """Print the registered backbones and encoders, and where shipped weights are looked for."""
    from .backbones import BACKBONES
    from .model import default_weights_path
    from .text import ENCODERS

    info = {
        "backbones": {name: spec.weights_source for name, spec in BACKBONES.items()},
        "encoders": list(ENCODERS),
        "default_weights": str(default_weights_path()),
        "default_weights_present": default_weights_path().exists(),
    }
    print(json.dumps(info, indent=2))
    return 0


def _unseen(train_manifest: str, holdout: str | None) -> set[str]:
    """Labels of the held-out manifest that the training manifest never uses."""
    from .data import read_manifest

    if not holdout:
        return set()
    seen = {lab for r in read_manifest(train_manifest) for lab in r.labels}
    return {lab for r in read_manifest(holdout) for lab in r.labels} - seen


def _cmd_real_photos(args: argparse.Namespace) -> int:
    """Write the held-out real photos (hand-labelled) and their manifest into a folder."""
    from .data import write_manifest
    from .data.real_photos import real_photos

    print(write_manifest(real_photos(args.out), Path(args.out) / "real-photos.jsonl"))
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    """Train a head on a manifest (frozen backbone, cached features); resumes if interrupted."""
    from .data import read_manifest
    from .train import TrainConfig, train_head

    config = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        mask_weight=args.mask_weight,
        mask_negatives=args.mask_negatives,
        teacher_pool=args.teacher_pool,
        head_holdout=args.head_holdout,
        head_epochs=args.head_epochs,
        seed=args.seed,
    )
    cache = args.cache or f"{args.out}.features"
    _, history = train_head(
        read_manifest(args.manifest),
        args.out,
        cache,
        unseen=_unseen(args.manifest, args.holdout),
        backbone=args.backbone,
        encoder=args.encoder,
        config=config,
        blocks=tuple(args.blocks.split(",")),
        compare_at=args.compare_at,
        input_size=args.input_size,
        finetune=args.finetune,
        device=args.device,
    )
    print(json.dumps({"model": args.out, "history": history}, indent=2))
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    """Evaluate models and the ConSE baseline side by side on a labelled manifest."""
    from .baselines import ConSE
    from .data import read_manifest
    from .data.stamps import catalogue
    from .evaluate import evaluate
    from .model import load_model, read_config
    from .text import load_encoder

    records = read_manifest(args.manifest)
    seen = sorted({lab for r in read_manifest(args.seen_from) for lab in r.labels})
    unseen = sorted({lab for r in records for lab in r.labels} - set(seen))
    classes = sorted({s.labels[0] for s in catalogue()}) if args.classes == "scene-objects" else []
    if args.classes not in ("scene-objects", ""):
        classes = [c.strip() for c in args.classes.split(",") if c.strip()]
    size = {"input_size": args.input_size} if args.input_size else {}

    def lenient(name: str):  # evaluation drops unknown words of a label instead of failing
        return load_encoder(name, oov="drop")

    scorers = {
        path: load_model(path, encoder=lenient(read_config(path).encoder), **size) for path in args.model
    }
    if args.conse:
        scorers["ConSE"] = ConSE(encoder=lenient(args.encoder), **size)
    report = {
        name: evaluate(s, records, seen, unseen, classes, refine=args.refine) for name, s in scorers.items()
    }
    text = json.dumps(report, indent=2)
    if args.json:
        Path(args.json).write_text(text)
    print(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vsexplore", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help=_cmd_info.__doc__).set_defaults(func=_cmd_info)
    from .data.scenes import add_scenes_command

    add_scenes_command(sub)

    real = sub.add_parser("real-photos", help=_cmd_real_photos.__doc__)
    real.add_argument("--out", required=True, help="output folder")
    real.set_defaults(func=_cmd_real_photos)

    train = sub.add_parser("train", help=_cmd_train.__doc__)
    train.add_argument("manifest", help="JSON-lines manifest of labelled images (see vsexplore scenes)")
    train.add_argument("--out", required=True, help="the .safetensors file to write")
    train.add_argument("--cache", help="feature cache folder (default: OUT.features)")
    train.add_argument("--holdout", help="a test manifest: its labels absent from training stay unseen")
    train.add_argument("--backbone", default="efficientnet-lite0")
    train.add_argument("--encoder", default="minilm-l6")
    train.add_argument("--blocks", default="conse,linear,linear,linear,linear")
    train.add_argument("--compare-at", default="conv", choices=["conv", "pooled"])
    train.add_argument("--input-size", type=int, default=224)
    train.add_argument("--epochs", type=int, default=6)
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--lr", type=float, default=2e-3)
    train.add_argument("--mask-weight", type=float, default=1.0)
    train.add_argument(
        "--head-holdout", type=float, default=0.0, help="share of labels the head alone learns on, last"
    )
    train.add_argument("--head-epochs", type=int, default=2)
    train.add_argument("--teacher-pool", default="max", choices=["max", "mean"])
    train.add_argument("--mask-negatives", action="store_true", help="absent labels' maps learn zero")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--finetune", action="store_true", help="train the backbone too (for a GPU)")
    train.add_argument("--device", default="cpu", help="cpu or cuda")
    train.set_defaults(func=_cmd_train)

    ev = sub.add_parser("eval", help=_cmd_eval.__doc__)
    ev.add_argument("manifest", help="labelled test manifest")
    ev.add_argument("--seen-from", required=True, help="the training manifest (its labels are 'seen')")
    ev.add_argument("--model", action="append", default=[], help="a .safetensors model (repeatable)")
    ev.add_argument("--conse", action="store_true", help="add the ConSE baseline")
    ev.add_argument("--encoder", default="minilm-l6", help="encoder of the ConSE baseline")
    ev.add_argument(
        "--classes", default="scene-objects", help="'scene-objects', a comma list, or '' for no mIoU"
    )
    ev.add_argument("--input-size", type=int, help="apply every scorer at this input size (e.g. 448)")
    ev.add_argument("--refine", action="store_true", help="also measure maps snapped to superpixels")
    ev.add_argument("--json", help="also write the report here")
    ev.set_defaults(func=_cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
