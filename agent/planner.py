"""Deterministic evidence plan: which FHIR tools and guideline searches a question needs (rules as data)."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from medcite.agent.rules import CallRule, gather_rules
from medcite.core.vocabulary import aliases_longest_first, normalize_name


class PlannedCall(BaseModel):
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    expects: str | None = None

    def signature(self) -> str:
        return f"{self.tool}({json.dumps(self.args, sort_keys=True)})"


class Plan(BaseModel):
    calls: list[PlannedCall]
    guideline_query: str | None = None
    guideline_k: int = 4


def _matches(term: str, text: str) -> bool:
    return re.search(rf"\b{re.escape(term)}", text) is not None


def _planned(rule: CallRule, expects: str | None = None) -> PlannedCall:
    return PlannedCall(tool=rule.tool, args=dict(rule.args), expects=expects)


_ISO_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
NOTES_EXPECTED = "clinical notes"


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def note_calls(question: str) -> list[PlannedCall]:
    """Note searches for a question the coded data cannot answer: ``search_notes`` with the question (on
    the day it names, when it names exactly one), and ``read_notes`` when it asks for the latest note."""
    rules = gather_rules().notes
    text = question.lower()
    calls: list[PlannedCall] = []
    if any(_matches(t, text) for t in rules.match):
        args: dict[str, Any] = {"query": question.strip()[:300], "k": rules.k}
        days = {d for d in _ISO_DAY.findall(question) if _is_day(d)}
        if len(days) == 1:
            args["since"] = args["until"] = days.pop()
        calls.append(PlannedCall(tool="search_notes", args=args, expects=NOTES_EXPECTED))
    if any(_matches(t, text) for t in rules.latest_match):
        calls.append(PlannedCall(tool="read_notes", args={"latest_n": rules.latest_n}, expects=NOTES_EXPECTED))
    return calls


def plan_question(question: str) -> Plan:
    """Calls for a chat question: always demographics and active problems, then topic and lab-name rules."""
    rules = gather_rules()
    text = question.lower()
    calls = [_planned(c) for c in rules.always]
    matched = False
    generic: list[PlannedCall] = []
    for topic in rules.topics:
        if any(_matches(t, text) for t in topic.match):
            found = [_planned(c, topic.expects) for c in topic.calls]
            if topic.generic:
                generic += found
            else:
                matched = True
                calls += found
    normalized = normalize_name(text)
    seen_names: set[str] = set()
    for alias, entry in aliases_longest_first():
        if entry.name not in seen_names and re.search(rf"\b{re.escape(alias)}\b", normalized):
            seen_names.add(entry.name)
            matched = True
            calls.append(PlannedCall(tool="search_observations", args={"code_or_name": entry.name}, expects=entry.name))
    notes = note_calls(question)
    calls += notes
    if not matched and not notes:
        calls += generic or [_planned(c) for c in rules.fallback]
    g = rules.guidelines
    wants_guidelines = any(_matches(t, text) for t in g.match)
    return Plan(calls=_dedupe(calls), guideline_query=question if wants_guidelines else None, guideline_k=g.k)


def summary_problems(problem_names: list[str]) -> list[str]:
    """The active problems a summary looks up guidelines for (the first few, each once)."""
    return list(dict.fromkeys(n for n in problem_names if n))[: gather_rules().guidelines.summary_max_problems]


def summary_k_per_problem() -> int:
    return gather_rules().guidelines.summary_k_per_problem


def _dedupe(calls: list[PlannedCall]) -> list[PlannedCall]:
    seen: dict[str, PlannedCall] = {}
    for c in calls:
        seen.setdefault(c.signature(), c)
    return list(seen.values())
