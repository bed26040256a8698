"""``medcite fhir``: look at patient data the way the agent sees it."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from medcite.cli.common import add_as_of_option, open_reported
from medcite.core.disclaimer import DISCLAIMER
from medcite.core.evidence import CARE_GAP_WORDS
from medcite.core.settings import Settings
from medcite.tools.caregaps import care_gaps
from medcite.tools.caregaps.evidence import heading, report_evidence
from medcite.tools.fhir import FhirSource, pick_patient, render_patient_context

SOURCE_HELP = "FHIR Bundle JSON or NDJSON file, a folder of them, or a FHIR R4 base URL (http[s]://...)"


def register(sub: Any) -> None:
    fhir: argparse.ArgumentParser = sub.add_parser("fhir", help="inspect FHIR R4 patient data")
    commands = fhir.add_subparsers(dest="fhir_command", metavar="ACTION", required=True)

    show = commands.add_parser("show", help="print one patient's compact, citable context")
    show.add_argument("source", metavar="BUNDLE_OR_URL", help=SOURCE_HELP)
    show.add_argument("--patient", help="Patient id (optional when the source has one patient)")
    show.add_argument("--as-of", type=date.fromisoformat, help="date for ages (YYYY-MM-DD; default today)")
    show.set_defaults(func=run_show)

    gaps = commands.add_parser("caregaps", help="USPSTF grade A/B preventive care: due, up to date or unknown")
    gaps.add_argument("source", metavar="BUNDLE_OR_URL", help=SOURCE_HELP)
    gaps.add_argument("--patient", help="Patient id (optional when the source has one patient)")
    add_as_of_option(gaps)
    gaps.add_argument("--all", action="store_true", help="also list the recommendations that do not apply")
    gaps.add_argument("--json", action="store_true", help="print the full report as JSON")
    gaps.set_defaults(func=run_caregaps)

    patients = commands.add_parser("patients", help="list the patient ids in a source")
    patients.add_argument("source", metavar="BUNDLE_OR_URL", help=SOURCE_HELP)
    patients.set_defaults(func=run_patients)


def _open(location: str) -> FhirSource:
    return open_reported(location, Settings.from_env())


def run_show(args: argparse.Namespace) -> int:
    source = _open(args.source)
    patient_id = pick_patient(source, args.patient)
    print(render_patient_context(source, patient_id, as_of=args.as_of))
    if not source.report.complete:
        print(
            f"\nmedcite: warning: {len(source.report.excluded)} invalid resources were left out (listed above)",
            file=sys.stderr,
        )
    print(f"\n_{DISCLAIMER}_")
    return 0


def run_caregaps(args: argparse.Namespace) -> int:
    source = _open(args.source)
    report = care_gaps(source, pick_patient(source, args.patient), as_of=args.as_of)
    if args.json:
        print(report.model_dump_json(indent=2))
        return 0
    counts = ", ".join(f"{n} {CARE_GAP_WORDS[s]}" for s, n in report.counts().items())
    print(heading(report))
    print(counts)
    for ev in report_evidence(report, with_not_applicable=args.all):
        print(f"- {ev.text}")
    print(f"\n_{DISCLAIMER}_")
    return 0


def run_patients(args: argparse.Namespace) -> int:
    source = _open(args.source)
    for patient_id in source.patient_ids():
        print(patient_id)
    return 0
