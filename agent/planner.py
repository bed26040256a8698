"""Deterministic evidence plan: which FHIR tools and guideline searches a question needs, and which of
the recognised question kinds it asks (rules as data)."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from medcite.agent.asked import (
    ActiveMedications,
    Allergies,
    Asked,
    ConditionStatus,
    IsRecorded,
    LastEncounter,
    LatestValue,
    TrendOf,
)
from medcite.agent.rules import CallRule, QuestionRules, gather_rules, question_rules
from medcite.core.vocabulary import ObservationName, aliases_longest_first

_NON_WORD = re.compile(r"[^A-Za-z0-9]+")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


class PlannedCall(BaseModel):
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    expects: str | None = None
    matched: bool = Field(default=False, description="planned for what the question names, not for every question")

    def signature(self) -> str:
        return f"{self.tool}({json.dumps(self.args, sort_keys=True)})"


class Plan(BaseModel):
    calls: list[PlannedCall]
    asked: list[Asked] = Field(default_factory=list, description="the recognised question kinds, in question order")
    guideline_query: str | None = None
    guideline_k: int = 4


def _matches(term: str, text: str) -> bool:
    return re.search(rf"\b{re.escape(term)}", text) is not None


def _planned(rule: CallRule, expects: str | None = None, matched: bool = False) -> PlannedCall:
    return PlannedCall(tool=rule.tool, args=dict(rule.args), expects=expects, matched=matched)


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
        calls.append(PlannedCall(tool="search_notes", args=args, expects=NOTES_EXPECTED, matched=True))
    if any(_matches(t, text) for t in rules.latest_match):
        calls.append(
            PlannedCall(tool="read_notes", args={"latest_n": rules.latest_n}, expects=NOTES_EXPECTED, matched=True)
        )
    return calls


def plan_question(question: str) -> Plan:
    """Calls for a chat question: always demographics and active problems, then topic and lab-name rules,
    then the calls of each recognised question kind."""
    rules = gather_rules()
    text = question.lower()
    calls = [_planned(c) for c in rules.always]
    matched = False
    generic: list[PlannedCall] = []
    for topic in rules.topics:
        if any(_matches(t, text) for t in topic.match):
            if topic.generic:
                generic += [_planned(c, topic.expects) for c in topic.calls]
            else:
                matched = True
                calls += [_planned(c, topic.expects, matched=True) for c in topic.calls]
    unquoted, quoted = _without_quotes(question)
    names = observation_names_in(unquoted)
    for entry in names:
        matched = True
        calls.append(
            PlannedCall(tool="search_observations", args={"code_or_name": entry.name}, expects=entry.name, matched=True)
        )
    notes = note_calls(question)
    calls += notes
    if not matched and not notes:
        calls += generic or [_planned(c) for c in rules.fallback]
    asked = question_kinds(unquoted, quoted)
    calls += [
        PlannedCall(tool=tool, args=args, expects=item.expects(), matched=True)
        for item in asked
        for tool, args in item.calls()
    ]
    g = rules.guidelines
    wants_guidelines = any(_matches(t, text) for t in g.match)
    return Plan(
        calls=_dedupe(calls),
        asked=asked,
        guideline_query=question if wants_guidelines else None,
        guideline_k=g.k,
    )


def _without_quotes(question: str) -> tuple[str, list[str]]:
    """The question with quoted phrases blanked (they are names, not cues), and the phrases."""
    pattern = question_rules().quoted
    quoted = [m.group("name").strip() for m in pattern.finditer(question)]
    return pattern.sub(" ", question), [q for q in quoted if q]


def _observation_spans(question: str) -> list[tuple[int, ObservationName]]:
    """(position, entry) of each vocabulary entry the question names, in question order. A longer alias wins
    over the shorter ones inside it ('hemoglobin a1c' is not also 'hemoglobin'); an alias shorter than the
    rules' minimum counts only when written with a capital letter ('BP', not 'bp'; 'K', not 'k')."""
    cased = _NON_WORD.sub(" ", question).strip()
    lowered = cased.lower()
    shortest = question_rules().observation.min_alias_chars
    taken: list[tuple[int, int, ObservationName]] = []
    for alias, entry in aliases_longest_first():
        for m in re.finditer(rf"\b{re.escape(alias)}\b", lowered):
            start, end = m.span()
            if any(start < e and s < end for s, e, _ in taken):
                continue
            if len(alias) < shortest and cased[start:end].islower():
                continue
            taken.append((start, end, entry))
    first: dict[str, tuple[int, ObservationName]] = {}
    for start, _, entry in sorted(taken, key=lambda t: t[0]):
        first.setdefault(entry.name, (start, entry))
    return list(first.values())


def observation_names_in(question: str) -> list[ObservationName]:
    """Vocabulary entries the question names, in question order (see ``_observation_spans``)."""
    return [entry for _, entry in _observation_spans(question)]


def question_kinds(question: str, quoted: list[str]) -> list[Asked]:
    """The recognised kinds of a question (its quoted phrases already blanked from ``question``)."""
    rules = question_rules()
    found: list[tuple[int, Asked]] = [
        (p, ConditionStatus(name=n)) for p, n in _condition_names(rules, question, quoted)
    ]
    for position, entry in _observation_spans(_blank_condition_names(rules, question)):
        found.append((position, _observation_kind(rules, question, entry.name)))
    for cues, item in ((rules.medications, ActiveMedications()), (rules.allergies, Allergies())):
        hit = next((m for p in cues.match if (m := p.search(question))), None)
        if hit and not any(p.search(question) for p in cues.exclude):
            found.append((hit.start(), item))
    encounter = _last_encounter(rules, question)
    if encounter is not None:
        found.append(encounter)
    return [item for _, item in sorted(found, key=lambda f: f[0])]


def _observation_kind(rules: QuestionRules, question: str, name: str) -> Asked:
    if any(p.search(question) for p in rules.observation.recorded_patterns):
        return IsRecorded(name=name)
    if any(_matches(w, question.lower()) for w in rules.observation.trend_words):
        return TrendOf(name=name)
    return LatestValue(name=name)


def _condition_names(rules: QuestionRules, question: str, quoted: list[str]) -> list[tuple[int, str]]:
    """(position, name) of each condition whose status is asked: quoted names in a question using a status
    word, and names the patterns capture."""
    low = question.lower()
    found: list[tuple[int, str]] = []
    if quoted and any(_matches(w, low) for w in rules.condition.status_words):
        found += [(0, name) for name in quoted]
    for pattern in rules.condition.patterns:
        for m in pattern.finditer(question):
            name = _ARTICLE.sub("", " ".join(m.group("name").split()).strip(" ,"))
            lowered = name.lower()
            if len(name) >= 2 and not any(
                lowered == n or lowered.startswith(f"{n} ") for n in rules.condition.not_names
            ):
                found.append((m.start("name"), name))
    first: dict[str, tuple[int, str]] = {}
    for position, name in found:
        first.setdefault(name.lower(), (position, name))
    return list(first.values())


def _blank_condition_names(rules: QuestionRules, question: str) -> str:
    """The question without the condition names the patterns capture: a condition named 'obesity (BMI 30+)'
    does not ask for a BMI value."""
    out = question
    for pattern in rules.condition.patterns:
        out = pattern.sub(lambda m: m.group(0).replace(m.group("name"), " "), out)
    return out


def _last_encounter(rules: QuestionRules, question: str) -> tuple[int, Asked] | None:
    enc = rules.encounters
    klass = next((c for c in enc.classes if any(p.search(question) for p in c.match)), None)
    hit = next((m for p in enc.match if (m := p.search(question))), None)
    if (hit is None and klass is None) or not any(p.search(question) for p in enc.when):
        return None
    position = hit.start() if hit else 0
    if klass is None:
        return position, LastEncounter()
    return position, LastEncounter(encounter_class=klass.code, label=klass.label)


def summary_problems(problem_names: list[str]) -> list[str]:
    """The active problems a summary looks up guidelines for (the first few, each once)."""
    return list(dict.fromkeys(n for n in problem_names if n))[: gather_rules().guidelines.summary_max_problems]


def summary_k_per_problem() -> int:
    return gather_rules().guidelines.summary_k_per_problem


def _dedupe(calls: list[PlannedCall]) -> list[PlannedCall]:
    seen: dict[str, PlannedCall] = {}
    for c in calls:
        key = c.signature()
        if key in seen:
            seen[key] = seen[key].model_copy(
                update={"matched": seen[key].matched or c.matched, "expects": seen[key].expects or c.expects}
            )
        else:
            seen[key] = c
    return list(seen.values())
