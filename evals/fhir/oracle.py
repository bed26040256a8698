"""Answer functions built from the gold itself: a harness self-check (``oracle``) and deliberately wrong ones.

They exercise the runner and scorers end to end; they say nothing about any model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from medcite.evals.answers import EvalAnswer
from medcite.evals.fhir.tasks import FhirTask


def _cite(keys: list[str]) -> str:
    return " ".join(f"[{k}]" for k in keys)


def oracle_answer(task: FhirTask) -> EvalAnswer:
    """A correct, cited answer rendered from the gold."""
    g = task.gold
    cite = _cite(g.resource_keys)
    if g.answer_type == "absent":
        text = "This is not in the record: no matching entry was found."
        return EvalAnswer(text=text, flags=["missing_data: nothing in the record answers the question"])
    if g.answer_type == "quantity" and isinstance(g.value, float | int):
        text = f"The most recent result is {g.value:.2f} {g.unit or ''} on {g.date} {cite}."
    elif g.answer_type == "count":
        text = f"The patient has {g.value} active medication orders {cite}."
    elif g.answer_type == "yes_no":
        text = f"{'Yes, it is active' if g.value == 'yes' else 'No, it is resolved'} {cite}."
    elif g.answer_type == "date":
        text = f"The most recent one was on {g.value} {cite}."
    elif task.kind == "allergy_list" and isinstance(g.value, list) and len(g.value) == len(g.resource_keys):
        text = "Recorded allergies: " + "; ".join(f"{v} [{k}]" for v, k in zip(g.value, g.resource_keys, strict=True))
    elif g.answer_type == "list" and isinstance(g.value, list):
        text = f"The note of {g.date} lists: {'; '.join(g.value)} {cite}."
    elif g.answer_type == "text":
        text = f"The note of {g.date} records: {g.value} {cite}"
    else:
        text = f"The value is {g.value} ({g.detail}) {cite}."
    return EvalAnswer(text=text, citation_keys=list(g.resource_keys))


def oracle_factory(env: Any) -> Callable[[FhirTask], EvalAnswer]:
    """Registry entry ``oracle``: ignores the environment."""
    return oracle_answer
