"""Data-file lookups: lab/vital names -> LOINC codes, and status words -> FHIR status codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from medcite.core.resources import load_json
from medcite.core.vocabulary import LOINC, find_observation_name

_LOINC_CODE_RE = re.compile(r"^\d{1,7}-\d$")


@dataclass(frozen=True)
class ObservationTarget:
    """What to search for: codes (``system|code``) or, for an unknown name, display text."""

    label: str
    codes: tuple[str, ...] = ()
    text: str | None = None


def observation_target(code_or_name: str) -> ObservationTarget:
    """'4548-4', 'http://loinc.org|4548-4', 'HbA1c' or free text ('ferritin level')."""
    value = code_or_name.strip()
    if _LOINC_CODE_RE.match(value):
        return ObservationTarget(f"LOINC {value}", (f"{LOINC}|{value}",))
    if "|" in value:
        return ObservationTarget(value, (value,))
    known = find_observation_name(value)
    return ObservationTarget(known.display, known.system_codes) if known else ObservationTarget(value, (), value)


@cache
def status_codes(resource_type: str, group: str) -> tuple[str, ...]:
    """FHIR status codes for a status word ('active', 'resolved', 'stopped'); empty for 'all'."""
    if group == "all":
        return ()
    groups = load_json("medcite.tools.fhir", "data/status_groups.json").get(resource_type, {})
    if group not in groups:
        raise ValueError(f"status {group!r} is not one of {', '.join([*groups, 'all'])} for {resource_type}")
    return tuple(groups[group])


_SEMANTIC_TAG_RE = re.compile(r"\(([a-z][a-z /\-]*)\)\s*$")
SNOMED = "http://snomed.info/sct"


def semantic_tag(concept: object) -> str | None:
    """The SNOMED CT semantic tag at the end of a concept's display ('finding' for 'Stress (finding)'):
    the SNOMED coding's display first, else the concept's text."""
    if not isinstance(concept, dict):
        return None
    codings = [c for c in concept.get("coding") or [] if isinstance(c, dict)]
    shown = [c.get("display") for c in codings if c.get("system") == SNOMED] + [concept.get("text")]
    for text in shown:
        if isinstance(text, str) and (m := _SEMANTIC_TAG_RE.search(text)):
            return m.group(1)
    return None


@cache
def finding_tags() -> frozenset[str]:
    """Semantic tags listed under 'Social history and findings' rather than as problems."""
    return frozenset(load_json("medcite.tools.fhir", "data/problem_groups.json")["findings_tags"])


def is_finding(condition: dict[str, object]) -> bool:
    """A Condition coded as a finding or situation (social and situational findings, not a disorder)."""
    return semantic_tag(condition.get("code")) in finding_tags()
