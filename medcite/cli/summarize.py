"""``medcite summarize``: a cited, verified, flagged summary of one patient's record."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from medcite.agent.assistant import Assistant
from medcite.agent.output import FORMATS, output_paths, render, write_outputs
from medcite.cli.common import add_as_of_option, add_model_options, open_reported, settings_from_args


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("summarize", help="summarize a FHIR bundle or server patient")
    p.add_argument("source", help="FHIR bundle / NDJSON file or folder, or a FHIR server base URL")
    p.add_argument("--patient", help="patient id (needed when the source holds several patients)")
    p.add_argument("--out", help="folder for summary.md / summary.json / summary.fhir.json")
    p.add_argument(
        "--format",
        action="append",
        choices=FORMATS,
        help="output format(s); repeatable (default: md on stdout, all three with --out)",
    )
    p.add_argument("--no-guidelines", action="store_true", help="skip guideline retrieval")
    add_as_of_option(p)
    add_model_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    formats = list(dict.fromkeys(args.format or FORMATS))
    if args.out:
        output_paths(Path(args.out), formats)  # a bad --out fails now, not after the model has run
    source = open_reported(args.source, settings)
    bot = Assistant(
        source=source,
        patient_id=args.patient,
        settings=settings,
        retriever=not args.no_guidelines,
        as_of=args.as_of,
    )
    answer = bot.summarize()
    if args.out:
        for path in write_outputs(answer, Path(args.out), formats):
            print(f"wrote {path}")
    else:
        for fmt in args.format or ["md"]:
            print(render(answer, fmt), end="")
    return 0
