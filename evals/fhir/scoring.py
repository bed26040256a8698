"""Score one answer to a FHIR task: its outcome, value match, citation correctness and abstention.

Every task gets one outcome. *answered-correct*: every claim of the asked kind the answer makes states
the gold (and for a list, every gold item is named); an answer that states several candidates for the
asked item, or that lists the record (names more than a few other record entries), is not correct.
*abstained*: the answer says the record does not hold it (in words, before any claim, or with a
``missing_data`` flag and no claim) and does not list the record; right only when the gold is "not in record".
*fallback*: the system marked its text as a list of record entries (``EvalAnswer.fallback``); never correct.
*answered-wrong*: everything else.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from medcite.evals.answers import EvalAnswer, inline_keys
from medcite.evals.fhir.claims import Statement, listed_entries, lists_record, read_statements
from medcite.evals.fhir.raw_bundle import read_bundle
from medcite.evals.fhir.raw_notes import raw_notes
from medcite.evals.fhir.tasks import FhirTask
from medcite.evals.text_match import date_match, exact_match, list_item_covered, normalized_match

Outcome = Literal["answered_correct", "answered_wrong", "abstained_right", "abstained_wrong", "fallback"]
OUTCOMES: tuple[Outcome, ...] = ("answered_correct", "answered_wrong", "abstained_right", "abstained_wrong", "fallback")
SHOWN_CANDIDATES = 3

MISSING_FLAG_PREFIXES = ("missing_data", "missing")


class TaskScore(BaseModel):
    """``correct``: answered-correct, or abstained-right (``outcome``)."""

    outcome: Outcome
    correct: bool
    value_match: bool | None = Field(description="value part; None for absent-answer tasks")
    date_match: bool | None = Field(default=None, description="date part, where the gold has one to check")
    abstained: bool
    abstention_correct: bool
    citation_correct: bool | None = Field(description="a cited key holds the answer; None for absent-answer tasks")
    cited_unknown: list[str] = Field(default_factory=list, description="cited FHIR keys not in the bundle")
    read_as: str | None = Field(default=None, description="what the scorer read from the answer")
    claims: int = Field(default=0, description="statements asserting a value of the asked kind")
    exact: bool | None = Field(default=None, description="text golds (dates, words, list items) appear verbatim")
    normalized: bool | None = Field(default=None, description="... or after case and punctuation normalisation")


def flagged_missing(answer: EvalAnswer) -> bool:
    return any(f.lower().startswith(MISSING_FLAG_PREFIXES) for f in answer.flags)


def _text_golds(task: FhirTask) -> list[str]:
    """The gold as text, where it is text: a date, yes/no, a trend word, or each list item."""
    value = task.gold.value
    if isinstance(value, list):
        return value
    if task.gold.answer_type in ("date", "yes_no", "trend", "text"):
        return [str(value)]
    return []


def _abstains(answer: EvalAnswer, statements: list[Statement]) -> bool:
    """Says the record does not hold it: an abstaining statement before (or in) the first claim, or no
    claim at all and either an abstaining statement or a missing-data flag. A listing of the record is
    never an abstention, even when some of its lines say "none recorded"."""
    if lists_record(statements):
        return False
    claims = [i for i, s in enumerate(statements) if s.claims]
    said = [i for i, s in enumerate(statements) if s.abstains]
    if not claims:
        return bool(said) or flagged_missing(answer)
    return bool(said) and said[0] <= claims[0]


def _answered_correct(task: FhirTask, statements: list[Statement]) -> bool:
    claims = [s for s in statements if s.claims]
    if not task.gold.in_record or not claims or not all(s.agrees for s in claims) or lists_record(statements):
        return False
    if isinstance(task.gold.value, list):
        return all(list_item_covered(" ".join(s.text for s in claims), item) for item in task.gold.value)
    return True


def _shown(s: Statement) -> str:
    """The value a claim states, with the other record entries it names (``yes [epilepsy]``)."""
    value = s.value or ""
    others = [e for e in s.other_entries if e not in value]
    return f"{value} [{', '.join(others)}]" if others else value


def _read_as(statements: list[Statement], correct: bool) -> str:
    claims = [s for s in statements if s.claims]
    values = list(dict.fromkeys(_shown(s) for s in claims))
    if not values:
        return "no claim of the asked kind"
    shown = "; ".join(values[:SHOWN_CANDIDATES])
    if len(values) > SHOWN_CANDIDATES:
        shown += f"; … ({len(values)} in all)"
    if not correct and lists_record(statements):
        return f"lists the record ({len(listed_entries(statements))} other entries named); claims: {shown}"
    if correct or len(claims) == 1:
        return shown
    return f"several candidates: {shown}"


def outcome_of(answered_correct: bool, abstained: bool, in_record: bool, fallback: bool) -> Outcome:
    if fallback:
        return "fallback"
    if answered_correct:
        return "answered_correct"
    if abstained:
        return "abstained_wrong" if in_record else "abstained_right"
    return "answered_wrong"


@lru_cache(maxsize=64)
def known_keys(bundle_path: Path) -> frozenset[str]:
    """Every citable key of a bundle: its resources and the sections of its notes."""
    bundle = read_bundle(bundle_path)
    sections = {note.section_key(h) for note in raw_notes(bundle) for h in note.sections}
    return frozenset(bundle.by_key) | sections


def score_answer(task: FhirTask, answer: EvalAnswer) -> TaskScore:
    """Score ``answer`` against the task's gold, reading the bundle to check cited keys exist."""
    known = known_keys(task.bundle)
    cited = dict.fromkeys([*answer.citation_keys, *inline_keys(answer.text)])
    fhir_keys = [k for k in cited if not k.startswith(("guideline:", "none:"))]
    searched_in_vain = any(k.startswith("none:") for k in cited)  # a count of zero rests on an empty search
    statements = read_statements(task, answer.text)
    claims = [s for s in statements if s.claims]
    right = _answered_correct(task, statements)
    abstains = not right and _abstains(answer, statements)
    outcome = outcome_of(right, abstains, task.gold.in_record, answer.fallback)
    abstained = outcome in ("abstained_right", "abstained_wrong")
    golds = _text_golds(task) if task.gold.in_record else []
    return TaskScore(
        outcome=outcome,
        correct=outcome in ("answered_correct", "abstained_right"),
        value_match=outcome == "answered_correct" if task.gold.in_record else None,
        date_match=date_match(answer.text, task.gold.date) if task.gold.date else None,
        abstained=abstained,
        abstention_correct=abstained != task.gold.in_record,
        citation_correct=(
            any(k in task.gold.resource_keys for k in fhir_keys) or (task.gold.value == 0 and searched_in_vain)
            if task.gold.in_record
            else None
        ),
        cited_unknown=[k for k in fhir_keys if k not in known],
        read_as="fallback: the system listed record entries" if answer.fallback else _read_as(statements, right),
        claims=len(claims),
        exact=all(exact_match(answer.text, g) for g in golds) if golds else None,
        normalized=all(normalized_match(answer.text, g) for g in golds) if golds else None,
    )
