"""Problem-linked results: which results (and procedures) belong with an active problem.

The table is data (``rules/problem_results.json``): diabetes → HbA1c and glucose, heart failure → LVEF and
natriuretic peptides (and echocardiograms), CKD → eGFR and creatinine, ... A problem matches an entry by
SNOMED code or by a word prefix of its display; results are names of the observation vocabulary, so
their LOINC codes live in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medcite.core.evidence import Code, ConditionFact, Evidence, ObservationFact, ProcedureFact
from medcite.core.resources import load_typed
from medcite.core.vocabulary import LOINC, find_observation_name
from medcite.tools.fhir import FhirSource, PatientSections, facts

SNOMED = "http://snomed.info/sct"


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    snomed: tuple[str, ...] = ()
    display: tuple[str, ...] = Field(default=(), description="word prefixes of the display, lower case")

    def matches(self, code: Code) -> bool:
        if code.system == SNOMED and code.code in self.snomed:
            return True
        text = (code.display or "").lower()
        return any(re.search(rf"\b{re.escape(word)}", text) for word in self.display)


class ProcedureLink(_Entry):
    """A procedure that belongs with a problem (an echocardiogram with heart failure)."""


class ProblemLink(_Entry):
    """One kind of problem and the results (observation names) and procedures that go with it."""

    results: tuple[str, ...] = Field(min_length=1)
    procedures: tuple[ProcedureLink, ...] = ()

    @model_validator(mode="after")
    def _known_results(self) -> ProblemLink:
        unknown = [r for r in self.results if find_observation_name(r) is None]
        if unknown:
            raise ValueError(f"{self.name}: {', '.join(unknown)} not in the observation vocabulary")
        return self


class ProblemResultRules(BaseModel):
    """``rules/problem_results.json``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    abnormal_interpretations: frozenset[str]
    problems: tuple[ProblemLink, ...] = Field(min_length=1)


@cache
def problem_result_rules() -> ProblemResultRules:
    """The table, validated (a mistake in the file is a ``ConfigError`` naming it)."""
    return load_typed("medcite.agent.rules", "problem_results.json", ProblemResultRules)


def links_of(problems: Iterable[Evidence]) -> list[ProblemLink]:
    """The table entries the given problems match, each once, in problem order."""
    out: list[ProblemLink] = []
    for ev in problems:
        if isinstance(ev.fact, ConditionFact):
            out += [link for link in problem_result_rules().problems if link.matches(ev.fact.code) and link not in out]
    return out


def linked_result_names(links: Iterable[ProblemLink]) -> list[str]:
    """Observation names of the links, each once."""
    return list(dict.fromkeys(name for link in links for name in link.results))


def _codes(name: str) -> frozenset[str]:
    entry = find_observation_name(name)
    return frozenset(entry.codes) if entry else frozenset()


def is_result_of(fact: ObservationFact, name: str) -> bool:
    """Whether the observation (or one of its components) carries a LOINC code of ``name``."""
    codes = _codes(name)
    if fact.code.system in (LOINC, None) and fact.code.code in codes:
        return True
    return any(v.code in codes for v in fact.values if v.code)


def is_linked_procedure(fact: ProcedureFact, links: Iterable[ProblemLink]) -> bool:
    return any(p.matches(fact.code) for link in links for p in link.procedures)


def is_abnormal(fact: ObservationFact) -> bool:
    """Flagged by an abnormal interpretation code, or a single value outside its reference range."""
    if set(fact.interpretation) & problem_result_rules().abnormal_interpretations:
        return True
    value, ref = fact.single, fact.reference_range
    if value is None or value.number is None or ref is None:
        return False
    return (ref.low is not None and value.number < ref.low) or (ref.high is not None and value.number > ref.high)


def missing_linked_results(source: FhirSource, patient_id: str, sections: PatientSections) -> list[Evidence]:
    """A citable ``none:observations-<name>`` for each result the active problems call for that the record
    lacks (checked by a search of the source, not only against the latest results)."""
    out = []
    for name in linked_result_names(links_of(sections.active_problems)):
        if any(isinstance(e.fact, ObservationFact) and is_result_of(e.fact, name) for e in sections.latest_results):
            continue
        if not facts.observations(source, patient_id, name, latest_n=1):
            out.append(facts.no_observations(name))
    return out
