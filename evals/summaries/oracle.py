"""A summary rendered straight from the raw bundle (active problems, medications, allergies, latest labs),
every line cited: a harness self-check for the summary scorers, not a model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from medcite.evals.answers import EvalAnswer
from medcite.evals.fhir.gold import latest_quantity, rules
from medcite.evals.fhir.raw_bundle import read_bundle
from medcite.evals.summaries.scoring import record_items
from medcite.evals.summaries.target import SummaryTarget

TITLES = {"conditions": "Active problems", "medications": "Active medications", "allergies": "Allergies"}


def oracle_summary(target: SummaryTarget) -> EvalAnswer:
    bundle = read_bundle(target.bundle)
    lines = [f"# Summary of Patient/{bundle.patient_id}"]
    for section, entries in record_items(bundle).items():
        lines.append(f"## {TITLES[section]}")
        lines += [f"- {name} {' '.join(f'[{k}]' for k in keys)}" for name, keys in entries.items()]
        if not entries:
            lines.append(f"- No {section} are recorded.")
    lines.append("## Latest results")
    for lab in rules()["labs"]:
        gold = latest_quantity(bundle, lab["loinc"])
        if gold is not None and isinstance(gold.value, float | int):
            lines.append(f"- {lab['name']}: {gold.value:.1f} {gold.unit} on {gold.date} [{gold.resource_keys[0]}]")
    return EvalAnswer(text="\n".join(lines))


def oracle_summary_factory(env: Any) -> Callable[[SummaryTarget], EvalAnswer]:
    """Registry entry ``oracle``: ignores the environment."""
    return oracle_summary
