"""Tool output is data: a record field or passage holding instruction-like text is removed as a whole
before any model reads it, and replaced by a marker; every other text field is made inert (no invisible
or direction-changing characters, :func:`medcite.core.safe_text.inert`).

The prompts also wrap evidence as data; this is the second, deterministic layer. It works on the
typed fact, field by field, so no fragment of a removed field survives in the rendered line.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

from medcite.agent.answer import Flag
from medcite.agent.rules import phrase_list
from medcite.core.evidence import Evidence
from medcite.core.safe_text import inert

REMOVED = "(instruction-like text removed)"
_Model = TypeVar("_Model", bound=BaseModel)
_STRUCTURAL = frozenset({"kind"})


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.I) for p in phrase_list("injection_patterns"))


def is_instruction_like(text: str) -> bool:
    """Whether ``text`` holds an instruction pattern (``rules/injection_patterns.txt``), matched on its
    inert NFKC form so zero-width characters or full-width letters cannot split a pattern."""
    folded = unicodedata.normalize("NFKC", inert(text))
    return any(p.search(folded) for p in _patterns())


def _clean(value: Any) -> tuple[Any, int]:
    """``value`` with every instruction-like string replaced by the marker (and every other string made
    inert), and how many were replaced."""
    if isinstance(value, str):
        shown = inert(value)
        return (REMOVED, 1) if is_instruction_like(shown) else (shown, 0)
    if isinstance(value, list):
        cleaned = [_clean(v) for v in value]
        return [v for v, _ in cleaned], sum(n for _, n in cleaned)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        count = 0
        for k, v in value.items():
            out[k], n = (v, 0) if k in _STRUCTURAL else _clean(v)
            count += n
        return out, count
    return value, 0


def neutralize(ev: Evidence) -> Evidence:
    """``ev`` with each fact field that holds instruction-like text replaced, whole, by the marker."""
    dumped = ev.fact.model_dump()
    data, count = _clean(dumped)
    if data == dumped:
        return ev
    return Evidence.model_validate({"key": ev.key, "fact": data, "neutralized": ev.neutralized + count})


def neutralize_report(report: _Model) -> _Model:
    """A typed report built from record text (the care-gap report quotes entry labels) with every
    instruction-like string replaced, whole, by the marker, and every other string made inert."""
    dumped = report.model_dump(mode="json")
    data, _ = _clean(dumped)
    return report if data == dumped else type(report).model_validate(data)


def neutralize_evidence(items: list[Evidence]) -> tuple[list[Evidence], list[Flag]]:
    """Clean evidence; one ``possible_injection`` flag per affected key (never quoting the removed text)."""
    out: list[Evidence] = []
    flags: list[Flag] = []
    for ev in items:
        clean = neutralize(ev)
        if clean.neutralized > ev.neutralized:
            fields = clean.neutralized - ev.neutralized
            flags.append(
                Flag(
                    kind="possible_injection",
                    reason=f"instruction-like text in this source ({fields} field{'s' if fields > 1 else ''}) was "
                    "removed before the model read it",
                    keys=[ev.key],
                )
            )
        out.append(clean)
    return out, flags
