"""Score one answer to a FHIR task: value match, citation correctness and abstention correctness."""

from __future__ import annotations

from pydantic import BaseModel, Field

from medcite.evals.answers import EvalAnswer, inline_keys
from medcite.evals.fhir.raw_bundle import read_bundle
from medcite.evals.fhir.tasks import FhirTask
from medcite.evals.text_match import (
    date_match,
    exact_match,
    first_count,
    first_cue,
    list_item_covered,
    normalized_match,
    numeric_match,
    says_not_in_record,
    segments,
)

MISSING_FLAG_PREFIXES = ("missing_data", "missing")


class TaskScore(BaseModel):
    """``correct``: the answer holds the gold (for absent-answer tasks: it abstains)."""

    correct: bool
    value_match: bool | None = Field(description="value part; None for absent-answer tasks")
    date_match: bool | None = Field(default=None, description="date part, where the gold has one to check")
    abstained: bool
    abstention_correct: bool
    citation_correct: bool | None = Field(description="a cited key holds the answer; None for absent-answer tasks")
    cited_unknown: list[str] = Field(default_factory=list, description="cited FHIR keys not in the bundle")
    read_as: str | None = Field(default=None, description="what the scorer read from the answer")
    exact: bool | None = Field(default=None, description="text golds (dates, words, list items) appear verbatim")
    normalized: bool | None = Field(default=None, description="... or after case and punctuation normalisation")


def abstains(answer: EvalAnswer) -> bool:
    """The answer says the record does not hold it, in words or with a missing-data flag."""
    flagged = any(f.lower().startswith(MISSING_FLAG_PREFIXES) for f in answer.flags)
    return flagged or says_not_in_record(answer.text)


def _text_golds(task: FhirTask) -> list[str]:
    """The gold as text, where it is text: a date, yes/no, a trend word, or each list item."""
    value = task.gold.value
    if isinstance(value, list):
        return value
    if task.gold.answer_type in ("date", "yes_no", "trend"):
        return [str(value)]
    return []


def _value(task: FhirTask, text: str) -> tuple[bool, bool | None, str | None]:
    """(value matches, date matches or None, what was read)."""
    gold = task.gold
    t = gold.answer_type
    if t == "quantity":
        assert isinstance(gold.value, float | int) and gold.date
        ok_date = date_match(text, gold.date)
        together = any(
            numeric_match(part, float(gold.value)) and date_match(part, gold.date) for part in segments(text)
        )
        return together, ok_date, None
    if t == "count":
        count = first_count(text)
        return count == gold.value, None, None if count is None else str(count)
    if t == "yes_no":
        cue = first_cue(text, "yes_no")
        return cue == gold.value, None, cue
    if t == "trend":
        cue = first_cue(text, "trend")
        return cue == gold.value, None, cue
    if t == "date":
        ok = date_match(text, str(gold.value))
        return ok, ok, None
    if t == "list":
        assert isinstance(gold.value, list)
        missing = [item for item in gold.value if not list_item_covered(text, item)]
        return not missing, None, f"missing: {'; '.join(missing)}" if missing else "all listed"
    raise ValueError(f"no value scorer for answer type {t!r}")


def score_answer(task: FhirTask, answer: EvalAnswer) -> TaskScore:
    """Score ``answer`` against the task's gold, reading the bundle to check cited keys exist."""
    bundle = read_bundle(task.bundle)
    cited = dict.fromkeys([*answer.citation_keys, *inline_keys(answer.text)])
    fhir_keys = [k for k in cited if not k.startswith("guideline:")]
    unknown = [k for k in fhir_keys if k not in bundle.by_key]
    abstained = abstains(answer)
    if not task.gold.in_record:
        return TaskScore(
            correct=abstained,
            value_match=None,
            abstained=abstained,
            abstention_correct=abstained,
            citation_correct=None,
            cited_unknown=unknown,
        )
    matched, dated, read_as = _value(task, answer.text)
    golds = _text_golds(task)
    return TaskScore(
        exact=all(exact_match(answer.text, g) for g in golds) if golds else None,
        normalized=all(normalized_match(answer.text, g) for g in golds) if golds else None,
        correct=matched,
        value_match=matched,
        date_match=dated,
        abstained=abstained,
        abstention_correct=not abstained,
        citation_correct=any(k in task.gold.resource_keys for k in fhir_keys),
        cited_unknown=unknown,
        read_as=read_as,
    )
