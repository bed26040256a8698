"""What an answer asserts: its statements, the claims of the asked kind they make, and where it abstains.

A *statement* is a sentence or a line of the answer (citations stripped); the part of it before a context
cue ("previously", "up from", "to 2019-03-14", ...) is the part that asserts. A *claim* is a statement
that asserts a value of the asked kind: a number and a date for a lab result, a date, a count of
medication orders, a yes/no status, a trend direction, the name of a record entry for a list (allergies, the
items of a note's plan), or the phrase a note holds (a chief complaint).
A claim *agrees* with the gold when its value is the gold's and it names no record entry other than the
one asked about; an answer that makes claims that do not all agree states several candidates. An answer
that names more than ``MAX_OTHER_ENTRIES`` record entries besides the asked one lists the record instead
of answering.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from medcite.evals.cues import answer_cues
from medcite.evals.fhir.raw_bundle import concept_text, read_bundle
from medcite.evals.fhir.tasks import FhirTask, TaskKind
from medcite.evals.text_match import (
    counts_in,
    dates_in,
    first_cue,
    list_item_covered,
    normalize,
    normalized_match,
    number_tokens,
    numeric_match,
    says_not_in_record,
    segments,
    strip_citations,
)

AskedType = Literal["quantity", "count", "yes_no", "date", "list", "trend", "text"]
ABSENT_ASKS: dict[TaskKind, AskedType] = {
    "absent_lab": "quantity",
    "absent_encounter": "date",
    "absent_allergy": "list",
    "absent_medication": "count",
}
# Statements that abstain make no yes/no or trend claim ("there is no record of it being resolved").
CUE_TYPES: frozenset[AskedType] = frozenset({"yes_no", "trend"})
_TRAILING_TAG = re.compile(r"\s*\([^()]*\)\s*$")
MIN_NAME_CHARS = 4
MAX_OTHER_ENTRIES = 3


class Statement(BaseModel):
    """One sentence or line: what it asserts of the asked kind, and whether it abstains."""

    text: str = Field(description="the asserting part, citations stripped")
    abstains: bool
    value: str | None = Field(default=None, description="the value it states, as read; None: no claim")
    agrees: bool = False
    other_entries: list[str] = Field(default_factory=list, description="record entries named besides the asked one")

    @property
    def claims(self) -> bool:
        return self.value is not None


def asked_type(task: FhirTask) -> AskedType:
    """The kind of value the question asks for (for absent-answer tasks: what it would have been)."""
    if task.gold.answer_type == "absent":
        return ABSENT_ASKS[task.kind]
    return task.gold.answer_type


def _name(concept: object) -> str:
    text = concept_text(concept) if isinstance(concept, dict) else ""
    core = _TRAILING_TAG.sub("", strip_citations(text)) or text
    return normalize(core)


def _entry_name(res: dict[str, object]) -> str:
    for field in ("code", "medicationCodeableConcept", "vaccineCode"):
        if isinstance(res.get(field), dict):
            return _name(res[field])
    types = res.get("type")
    return _name(types[0]) if isinstance(types, list) and types else ""


@lru_cache(maxsize=256)
def _names(
    bundle: Path, asked_keys: tuple[str, ...], asked_items: tuple[str, ...] = ()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(asked names, other names): the normalised names of the asked resources (and of the items a list gold
    names, as a note's plan does) and of every other coded record entry, leaving out other names that are part
    of an asked one."""
    raw = read_bundle(bundle)
    asked = {n for k in asked_keys if k in raw.by_key and (n := _entry_name(raw.by_key[k]))}
    asked |= {n for item in asked_items if (n := _name({"text": item}))}
    others = set()
    for res in raw.resources:
        name = _entry_name(res)
        if len(name) >= MIN_NAME_CHARS and name not in asked and not any(f" {name} " in f" {a} " for a in asked):
            others.add(name)
    return tuple(sorted(asked)), tuple(sorted(others))


def named(text: str, names: tuple[str, ...]) -> list[str]:
    norm = f" {normalize(text)} "
    return [n for n in names if f" {n} " in norm]


def asserting_part(statement: str, kind: AskedType) -> str:
    """The statement up to its first context cue (trend answers keep both values: they compare them)."""
    if kind == "trend":
        return statement
    cut = min((m.start() for p in answer_cues().context if (m := p.search(statement))), default=len(statement))
    return statement[:cut]


def _read(task: FhirTask, kind: AskedType, text: str) -> tuple[str | None, bool]:
    """(value read from the asserting part or None, whether the value is the gold's)."""
    gold = task.gold
    if kind == "quantity":
        dates, numbers = sorted(set(dates_in(text))), number_tokens(text)
        if not dates or not numbers:
            return None, False
        ok = gold.in_record and dates == [gold.date] and numeric_match(text, float(gold.value))  # type: ignore[arg-type]
        shown = next((n for n in numbers if ok and numeric_match(n, float(gold.value))), numbers[-1])  # type: ignore[arg-type]
        return f"{shown} ({', '.join(dates)})", ok
    if kind == "date":
        dates = sorted(set(dates_in(text)))
        return (", ".join(dates), dates == [gold.value]) if dates else (None, False)
    if kind == "count":
        counts = sorted(set(counts_in(text) or _bare_count(text)))
        return (", ".join(map(str, counts)), counts == [gold.value]) if counts else (None, False)
    if kind in ("yes_no", "trend"):
        label = first_cue(text, kind)
        return label, label == gold.value
    if kind == "text":  # a phrase of a note: a statement claims it by stating it
        return (str(gold.value), True) if normalized_match(text, str(gold.value)) else (None, False)
    items = [item for item in gold.value if list_item_covered(text, item)] if isinstance(gold.value, list) else []
    return ("; ".join(items), True) if items else (None, False)


def _value_then_date(parts: list[str]) -> list[str]:
    """Adjacent statements of which one states only a value (one number) and the other only a date are read as
    one ("Total cholesterol: 171.9 mg/dL" and "Date: 2018-05-20")."""
    out: list[str] = []
    for part in parts:
        if out and _pairs(out[-1], part):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def _pairs(a: str, b: str) -> bool:
    def shape(text: str) -> tuple[int, int]:
        return len(number_tokens(text)), len(dates_in(text))

    return {shape(a), shape(b)} == {(1, 0), (0, 1)}


def _bare_count(text: str) -> list[int]:
    """A statement that is only a number (``2``, ``**Two.**``) answers a count question."""
    words = answer_cues().number_words
    token = normalize(text)
    if token.isdigit():
        return [int(token)]
    return [words[token]] if token in words else []


def read_statements(task: FhirTask, text: str) -> list[Statement]:
    """Every statement of the answer, read for the task's asked kind."""
    kind = asked_type(task)
    items = tuple(task.gold.value) if isinstance(task.gold.value, list) else ()
    _, others = _names(task.bundle, tuple(task.gold.resource_keys), items)
    parts = [strip_citations(asserting_part(sentence, kind)).strip() for sentence in segments(text)]
    if kind == "quantity":
        parts = _value_then_date(parts)
    out = []
    for part in parts:
        abstains = says_not_in_record(part)
        other = named(part, others)
        value, ok = (None, False) if abstains and kind in CUE_TYPES else _read(task, kind, part)
        if kind == "list" and value is None and other:
            value = "; ".join(other)
        abstains = abstains or (kind == "count" and value == "0")  # "no active orders": the record holds none
        out.append(Statement(text=part, abstains=abstains, value=value, agrees=ok and not other, other_entries=other))
    return out


def listed_entries(statements: list[Statement]) -> list[str]:
    """The record entries other than the asked one that the answer names, first named first."""
    return list(dict.fromkeys(name for s in statements for name in s.other_entries))


def lists_record(statements: list[Statement]) -> bool:
    """Names more than ``MAX_OTHER_ENTRIES`` other record entries: a listing of the record, not an answer."""
    return len(listed_entries(statements)) > MAX_OTHER_ENTRIES
