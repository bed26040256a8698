"""``medcite`` command line: one module per command group, each exposing ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from medcite import __version__
from medcite.core.disclaimer import DISCLAIMER
from medcite.core.errors import MedciteError

# Each module defines ``register(subparsers) -> None`` and sets ``func`` on its parsers.
COMMAND_MODULES: tuple[str, ...] = (
    "medcite.cli.ask",
    "medcite.cli.summarize",
    "medcite.cli.fhir",
    "medcite.cli.corpus",
    "medcite.cli.evals",
    "medcite.cli.doctor",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medcite",
        description=f"medcite {__version__}: cited clinical answers and summaries. {DISCLAIMER}",
    )
    parser.add_argument("--version", action="version", version=f"medcite {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # libraries that set their own logger to DEBUG stay quiet
        handler.setLevel(level)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except MedciteError as exc:
        print(f"medcite: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("medcite: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
