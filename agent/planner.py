"""Deterministic evidence plan: which FHIR tools and guideline searches a question needs (rules as data)."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, Field

from agent.rules import json_rules


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


@cache
def _observation_names() -> tuple[tuple[str, str], ...]:
    """(alias, canonical name) pairs from the FHIR lab/vital lookup table, longest alias first."""
    data = json.loads(resources.files("tools.fhir").joinpath("data/observation_names.json").read_text("utf-8"))
    pairs = [(name, name) for name in data if not name.startswith("_")]
    pairs += [
        (alias, name) for name, spec in data.items() if isinstance(spec, dict) for alias in spec.get("aliases", [])
    ]
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


def plan_question(question: str) -> Plan:
    """Calls for a chat question: always demographics and active problems, then topic and lab-name rules."""
    rules = json_rules("gather")
    text = question.lower()
    calls = [PlannedCall(**c) for c in rules["always"]]
    matched = False
    generic: list[PlannedCall] = []
    for topic in rules["topics"]:
        if any(_matches(t, text) for t in topic["match"]):
            found = [PlannedCall(**c, expects=topic.get("expects")) for c in topic["calls"]]
            if topic.get("generic"):
                generic += found
            else:
                matched = True
                calls += found
    normalized = re.sub(r"[^a-z0-9 ]+", " ", text)
    seen_names: set[str] = set()
    for alias, name in _observation_names():
        if name not in seen_names and re.search(rf"\b{re.escape(alias)}\b", normalized):
            seen_names.add(name)
            matched = True
            calls.append(PlannedCall(tool="search_observations", args={"code_or_name": name}, expects=name))
    if not matched:
        calls += generic or [PlannedCall(**c) for c in rules["fallback"]]
    g = rules["guidelines"]
    wants_guidelines = any(_matches(t, text) for t in g["match"])
    return Plan(calls=_dedupe(calls), guideline_query=question if wants_guidelines else None, guideline_k=g["k"])


def summary_guideline_queries(problem_names: list[str]) -> list[str]:
    g = json_rules("gather")["guidelines"]
    return [f"{name} screening management recommendation" for name in problem_names[: g["summary_max_problems"]]]


def summary_k_per_problem() -> int:
    return int(json_rules("gather")["guidelines"]["summary_k_per_problem"])


def _dedupe(calls: list[PlannedCall]) -> list[PlannedCall]:
    seen: dict[str, PlannedCall] = {}
    for c in calls:
        seen.setdefault(c.signature(), c)
    return list(seen.values())
