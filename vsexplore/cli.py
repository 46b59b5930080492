"""The ``vsexplore`` command. Each sub-command lives in a small ``_cmd_*`` function."""

from __future__ import annotations

import argparse
import json
import sys


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vsexplore", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help=_cmd_info.__doc__).set_defaults(func=_cmd_info)
    from .data.scenes import add_scenes_command

    add_scenes_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
