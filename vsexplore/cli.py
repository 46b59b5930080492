"""The ``vsexplore`` command. Each sub-command lives in a small ``_cmd_*`` function."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path


def _cmd_info(args: argparse.Namespace) -> int:
    """Print the registered backbones and encoders, and where shipped weights are looked for."""
    from .backbones import BACKBONES, list_backbones
    from .model import default_weights_path
    from .text import list_encoders

    info = {
        "backbones": {name: BACKBONES[name].weights_source for name in list_backbones()},
        "encoders": list_encoders(),
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

    # every TrainConfig field the command has an option for (the option's dest is the field name)
    config = TrainConfig(**{f.name: getattr(args, f.name) for f in fields(TrainConfig) if f.name in args})
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
        head=args.head,
        pool=args.pool,
        slots=args.slots,
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


def _open_model(args: argparse.Namespace):
    from .model import load_model
    from .store import STORE_INPUT_SIZE

    return load_model(args.weights, input_size=STORE_INPUT_SIZE) if args.weights else None


def _cmd_eval_real(args: argparse.Namespace) -> int:
    """Score the real-photo benchmark with ConSE, the shipped defaults and any given models, side by side."""
    from .baselines import ConSE
    from .data.benchmark import benchmark_photos, vocabulary
    from .evaluate.real import StoredScores, evaluate_real
    from .model import load_conv_model, load_model

    # collection: the default model's scores as a collection reads them, from a store of the photos
    scorers = {"conse": ConSE(), "default": load_model(), "collection": StoredScores(),
               "conv": load_conv_model()}
    scorers |= {Path(path).name: load_model(path) for path in args.model}
    photos = benchmark_photos(args.split, kinds=tuple(args.kinds.split(",")))
    report = evaluate_real(scorers, photos, vocabulary())
    text = json.dumps(report, indent=2)
    if args.json:
        Path(args.json).write_text(text)
    print(text)
    return 0


def _cmd_embed(args: argparse.Namespace) -> int:
    """Embed a folder (or manifest) into a store once; re-run to resume or to add new images."""
    from .images import display_path
    from .store import Collection

    client = None
    if args.scheduler:
        from dask.distributed import Client

        client = Client(args.scheduler)
    col = Collection.build(args.source, store=args.store, model=_open_model(args), client=client,
                           chunk_size=args.chunk_size)
    print(f"{len(col)} images embedded in {args.store}; {len(col.failures)} could not be read")
    for path, reason in col.failures:
        print(f"  skipped {display_path(path)}: {reason}")
    return 0


def _print_ranking(col, indices, scores, as_json: bool) -> None:
    from .images import display_path

    rows = [{"rank": r + 1, "score": round(float(s), 4), "path": display_path(col.paths[i])}
            for r, (i, s) in enumerate(zip(indices, scores, strict=True))]
    if as_json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
    else:
        for row in rows:
            print(f"{row['rank']:>4}  {row['score']:.4f}  {row['path']}")


def _cmd_query(args: argparse.Namespace) -> int:
    """Rank a store's images by a label (any word or phrase), without re-embedding."""
    import numpy as np

    from .store import Collection

    col = Collection.open(args.store, model=_open_model(args))
    scores = col.scores([args.label])[:, 0]
    order = np.argsort(-scores, kind="stable")[: args.top]
    _print_ranking(col, order, scores[order], args.json)
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    """Rank a store's images by where concepts are painted (see the grid language below)."""
    from .grids import parse_concepts
    from .store import Collection

    painted = parse_concepts(args.concept)
    col = Collection.open(args.store, model=_open_model(args))
    result = col.search(painted, top=args.top)
    _print_ranking(col, result.indices, result.scores, args.json)
    return 0


def _cmd_lab(args: argparse.Namespace) -> int:
    """Open JupyterLab on an explorer notebook for a folder of photos (default: the bundled sample)."""
    from .lab import launch, prepare

    notebook = prepare(args.folder, Path(args.workdir).resolve())
    print(f"explorer notebook: {notebook}")
    return launch(notebook, args.jupyter_args)


def _add_collection_commands(sub) -> None:
    from .grids import __doc__ as grid_help

    embed = sub.add_parser("embed", help=_cmd_embed.__doc__)
    embed.add_argument("source", help="a folder of images, or a manifest (.jsonl, .csv, .txt)")
    embed.add_argument("--store", required=True, help="the store to write (a path or fsspec URL)")
    embed.add_argument("--chunk-size", type=int, default=256, help="images per Zarr chunk")
    embed.add_argument("--scheduler", help="a dask.distributed scheduler address (default: in-process)")
    embed.set_defaults(func=_cmd_embed)

    query = sub.add_parser("query", help=_cmd_query.__doc__)
    query.add_argument("store")
    query.add_argument("label", help="any word or phrase, e.g. 'stormy sky'")
    query.set_defaults(func=_cmd_query)

    search = sub.add_parser("search", help=_cmd_search.__doc__, description=grid_help,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    search.add_argument("store")
    search.add_argument("--concept", action="append", required=True, metavar="LABEL=GRID",
                        help="e.g. sky=top, cloud=-all, 'red car=bottom+left' (repeatable)")
    search.set_defaults(func=_cmd_search)
    lab = sub.add_parser("lab", help=_cmd_lab.__doc__)
    lab.add_argument("folder", nargs="?", help="a folder of photos (default: the bundled sample)")
    lab.add_argument("--workdir", default=".", help="where the notebook and its store go (default: here)")
    lab.add_argument("jupyter_args", nargs="*", help="after --: passed to jupyter lab (-- --port 9999)")
    lab.set_defaults(func=_cmd_lab)
    for command in (embed, query, search):
        command.add_argument("--weights", help="model weights (default: the shipped model)")
    for command in (query, search):
        command.add_argument("--top", type=int, default=10, help="how many images to list")
        command.add_argument("--json", action="store_true", help="print JSON instead of a table")


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
    train.add_argument(
        "--head", default="linear", choices=["linear", "conv"], help="linear: factorised, fast queries"
    )
    train.add_argument("--pool", default="attention", choices=["attention", "mix"])
    train.add_argument("--slots", type=int, default=4, help="attention weightings per image (attention pool)")
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

    real = sub.add_parser("eval-real", help=_cmd_eval_real.__doc__)
    real.add_argument("--split", default="test", choices=["dev", "test"],
                      help="dev for choices, test to report")
    real.add_argument("--model", action="append", default=[], help="also score this .safetensors model")
    real.add_argument("--kinds", default="debian,stamp,pypi",
                      help="photo kinds to score; stamp,pypi is the quick subset CI runs")
    real.add_argument("--json", help="also write the report here")
    real.set_defaults(func=_cmd_eval_real)
    _add_collection_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command; vsexplore's own errors print as one line (``vsexplore: ...``), exit 2."""
    from .errors import VsexploreError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except VsexploreError as err:
        print(f"vsexplore: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
