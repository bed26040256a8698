"""Options shared by several commands."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from medcite.core.settings import Settings
from medcite.tools.fhir import FhirSource, open_source

MAX_ISSUES_PRINTED = 20


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        help="model spec, e.g. llamacpp:smollm2 (default), llamacpp:/path/x.gguf, "
        "transformers:google/medgemma-27b-text-it, openai:http://127.0.0.1:8000/v1#MODEL "
        "(env MEDCITE_MODEL)",
    )
    parser.add_argument("--max-new-tokens", type=int, help="generation budget (env MEDCITE_MAX_NEW_TOKENS)")
    parser.add_argument("--thinking", action="store_true", default=None, help="MedGemma 27B thinking mode")


def add_as_of_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the date ages, intervals and care gaps are computed for (default: today, or the record's last "
        "clinical activity when that is more than a year ago)",
    )


def settings_from_args(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        model=getattr(args, "model", None),
        max_new_tokens=getattr(args, "max_new_tokens", None),
        thinking=getattr(args, "thinking", None),
    )


def open_reported(location: str, settings: Settings) -> FhirSource:
    """Open a FHIR source and print its load report (what was repaired or left out) on stderr."""
    source = open_source(location, settings)
    issues = source.report.issues
    for issue in issues[:MAX_ISSUES_PRINTED]:
        print(f"medcite: {issue}", file=sys.stderr)
    if len(issues) > MAX_ISSUES_PRINTED:
        print(f"medcite: ... {len(issues) - MAX_ISSUES_PRINTED} more issues", file=sys.stderr)
    return source
