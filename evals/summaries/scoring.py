"""Score a summary against its bundle.

- citation precision: of the FHIR citations, the share whose resource exists and holds every number and
  date of the sentence citing it (guideline citations are counted apart, not checked);
- coverage: active conditions, active medications and allergies of the record that the summary names or cites;
- unverified claims: sentences stating a number, a date or a record item without a citation, or whose
  citations fail the check;
- flags: how many uncertainty flags the summary raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, Field

from medcite.core.citation_keys import resource_part
from medcite.evals.answers import EvalAnswer, inline_keys
from medcite.evals.data import load_data
from medcite.evals.fhir.gold import (
    active_allergies,
    active_medications,
    conditions_by_name,
    is_active_condition,
    medication_name,
)
from medcite.evals.fhir.raw_bundle import RawBundle, Resource, concept_text, resource_key
from medcite.evals.stats import Proportion
from medcite.evals.text_match import ISO_DATE, dates_in, list_item_covered, number_tokens, numeric_close

SentenceStatus = Literal[
    "supported", "unsupported", "unknown_key", "uncited_claim", "uncited", "guideline_only", "derived"
]
DERIVED_PREFIX = "caregap:"  # a status computed from the record: its numbers and dates are not the record's
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[(*_])")
_LEADING_KEYS = re.compile(r"^(?:\[[^\]]+\]\s*)+")
_PARENTHETICAL = re.compile(r"\s*\([^)]*\)\s*$")


@cache
def _rules() -> dict[str, Any]:
    return dict(load_data("summary_rules"))


class SentenceCheck(BaseModel):
    sentence: str
    keys: list[str]
    status: SentenceStatus
    problems: list[str] = Field(default_factory=list)
    supported_keys: list[str] = Field(default_factory=list, description="cited keys that exist and hold the values")


class Coverage(BaseModel):
    covered: Proportion
    missing: list[str]


class SummaryScore(BaseModel):
    fhir_citations: int
    supported_citations: int
    citation_precision: float | None = Field(description="supported / FHIR citations; None without citations")
    guideline_citations: int
    unknown_keys: list[str]
    coverage: dict[str, Coverage]  # conditions, medications, allergies
    unverified_claims: int
    uncited_sentences: int
    flags: int
    sentences: list[SentenceCheck]


# --- record facts ------------------------------------------------------------------------------------


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def resource_values(res: Resource) -> tuple[list[float], set[str]]:
    """Every number (numeric fields and numbers inside text fields) and every date a resource holds."""
    numbers: list[float] = []
    dates: set[str] = set()
    for leaf in _leaves(res):
        if isinstance(leaf, bool):
            continue
        if isinstance(leaf, int | float):
            numbers.append(float(leaf))
        elif isinstance(leaf, str):
            dates.update(m.group(0)[:10] for m in ISO_DATE.finditer(leaf))
            numbers.extend(float(t) for t in number_tokens(leaf))
    return numbers, dates


def record_items(bundle: RawBundle) -> dict[str, dict[str, list[str]]]:
    """``{section: {name: [keys]}}`` for active conditions, active medications and allergies."""
    conditions = {
        name: [resource_key(c) for c in conds if is_active_condition(c)]
        for name, conds in conditions_by_name(bundle).items()
        if any(is_active_condition(c) for c in conds)
    }
    medications: dict[str, list[str]] = {}
    for med in active_medications(bundle):
        medications.setdefault(medication_name(med), []).append(resource_key(med))
    allergies: dict[str, list[str]] = {}
    for allergy in active_allergies(bundle):
        allergies.setdefault(concept_text(allergy.get("code")), []).append(resource_key(allergy))
    return {"conditions": conditions, "medications": medications, "allergies": allergies}


def _mentions(text: str, name: str) -> bool:
    """Every content word of the item's name (without a trailing "(disorder)"-style tag) is in the text."""
    return list_item_covered(text, _PARENTHETICAL.sub("", name) or name)


# --- sentences ---------------------------------------------------------------------------------------


def sentences(text: str) -> Iterator[str]:
    """Sentences of a Markdown text: headings, rules and disclaimers skipped, bullets unwrapped."""
    rules = _rules()
    skip = [re.compile(p, re.I) for p in rules["skip_line_patterns"]]
    bullet = re.compile(rules["bullet_prefix"])
    for line in text.splitlines():
        if not line.strip() or any(p.search(line) for p in skip):
            continue
        line = bullet.sub("", line).strip()
        if _LEADING_KEYS.match(line):  # a facts line or quoted passage: one cited item, checked as a whole
            yield line
            continue
        out: list[str] = []
        for piece in _SPLIT.split(line):
            lead = _LEADING_KEYS.match(piece)
            if lead and out:  # "... stable. [Observation/4] Next" cites the sentence before
                out[-1] += " " + lead.group(0).strip()
                piece = piece[lead.end() :]
            if re.search(r"[A-Za-z0-9]", piece):
                out.append(piece.strip())
        yield from out


def _checked_numbers(sentence: str) -> list[str]:
    body = re.sub(r"\[[^\]]*\]", " ", sentence)
    for pattern in _rules()["ignore_number_patterns"]:
        body = re.sub(pattern, " ", body, flags=re.I)
    return number_tokens(body)


def check_sentence(sentence: str, bundle: RawBundle, item_names: list[str]) -> SentenceCheck:
    """Check the sentence's FHIR citations: each must exist, and together hold its numbers and dates."""
    keys = inline_keys(sentence)
    fhir = [k for k in keys if resource_part(k) is not None]  # record resources (not passages, searches, statuses)
    numbers = _checked_numbers(sentence)
    dates = dates_in(sentence)
    if not keys:
        claim = bool(numbers or dates) or any(_mentions(sentence, n) for n in item_names)
        return SentenceCheck(sentence=sentence, keys=[], status="uncited_claim" if claim else "uncited")
    if not fhir:
        return SentenceCheck(sentence=sentence, keys=keys, status="guideline_only")
    known = [k for k in fhir if k in bundle.by_key]
    problems = [f"{k} is not in the record" for k in fhir if k not in bundle.by_key]
    if any(k.startswith(DERIVED_PREFIX) for k in keys):
        # A care-gap status: its record keys must exist; its due dates and intervals are computed, not recorded.
        return SentenceCheck(sentence=sentence, keys=keys, status="unknown_key" if problems else "derived",
                             problems=problems)
    held_numbers: list[float] = []
    held_dates: set[str] = set()
    for k in known:
        n, d = resource_values(bundle.by_key[k])
        held_numbers += n
        held_dates |= d
    tol = float(_rules()["number_tolerance"])
    held_numbers.append(float(len(known)))  # a count of the cited resources ("4 doses [a] [b] [c] [d]")
    value_problems = [
        f"number {shown} is not in the cited resources"
        for shown in numbers
        if not any(numeric_close(float(shown), v, tol, shown) for v in held_numbers)
    ]
    value_problems += [f"date {d} is not in the cited resources" for d in dates if d not in held_dates]
    status: SentenceStatus = "unknown_key" if problems else ("unsupported" if value_problems else "supported")
    return SentenceCheck(
        sentence=sentence,
        keys=keys,
        status=status,
        problems=problems + value_problems,
        supported_keys=[] if value_problems else known,
    )


# --- summary score -----------------------------------------------------------------------------------


def score_summary(summary: EvalAnswer, bundle: RawBundle) -> SummaryScore:
    items = record_items(bundle)
    names = [n for section in items.values() for n in section]
    checks = [check_sentence(s, bundle, names) for s in sentences(summary.text)]
    fhir_keys = [k for c in checks if c.status != "derived" for k in c.keys if resource_part(k) is not None]
    guideline = sum(1 for c in checks for k in c.keys if k.startswith("guideline:"))
    supported = sum(len(c.supported_keys) for c in checks)
    unknown = [k for k in fhir_keys if k not in bundle.by_key]
    cited = set(summary.citation_keys) | {k for c in checks for k in c.keys}
    coverage = {}
    for section, entries in items.items():
        missing = [n for n, keys in entries.items() if not (set(keys) & cited or _mentions(summary.text, n))]
        coverage[section] = Coverage(covered=Proportion.of(len(entries) - len(missing), len(entries)), missing=missing)
    return SummaryScore(
        fhir_citations=len(fhir_keys),
        supported_citations=supported,
        citation_precision=supported / len(fhir_keys) if fhir_keys else None,
        guideline_citations=guideline,
        unknown_keys=list(dict.fromkeys(unknown)),
        coverage=coverage,
        unverified_claims=sum(1 for c in checks if c.status in ("uncited_claim", "unsupported", "unknown_key")),
        uncited_sentences=sum(1 for c in checks if c.status in ("uncited", "uncited_claim")),
        flags=len(summary.flags),
        sentences=checks,
    )
