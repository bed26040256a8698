"""Data-file lookups: lab/vital names -> LOINC codes, and status words -> FHIR status codes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from tools.fhir.query import normalize_text

LOINC = "http://loinc.org"
_LOINC_CODE_RE = re.compile(r"^\d{1,7}-\d$")


def _data(name: str) -> dict[str, Any]:
    raw = json.loads(resources.files("tools.fhir").joinpath(f"data/{name}").read_text())
    return {k: v for k, v in raw.items() if not k.startswith("_")}


@dataclass(frozen=True)
class ObservationTarget:
    """What to search for: codes (``system|code``) or, for an unknown name, display text."""

    label: str
    codes: tuple[str, ...] = ()
    text: str | None = None


@cache
def _names() -> dict[str, ObservationTarget]:
    table: dict[str, ObservationTarget] = {}
    for name, entry in _data("observation_names.json").items():
        target = ObservationTarget(entry["display"], tuple(f"{LOINC}|{c}" for c in entry["codes"]))
        for alias in [name, *entry.get("aliases", [])]:
            table.setdefault(normalize_text(alias), target)
    return table


def observation_names() -> list[str]:
    return sorted(k for k in _data("observation_names.json"))


def observation_target(code_or_name: str) -> ObservationTarget:
    """'4548-4', 'http://loinc.org|4548-4', 'HbA1c' or free text ('ferritin level')."""
    value = code_or_name.strip()
    if _LOINC_CODE_RE.match(value):
        return ObservationTarget(f"LOINC {value}", (f"{LOINC}|{value}",))
    if "|" in value:
        return ObservationTarget(value, (value,))
    known = _names().get(normalize_text(value))
    return known or ObservationTarget(value, (), value)


@cache
def status_codes(resource_type: str, group: str) -> tuple[str, ...]:
    """FHIR status codes for a status word ('active', 'resolved', 'stopped'); empty for 'all'."""
    if group == "all":
        return ()
    groups = _data("status_groups.json").get(resource_type, {})
    if group not in groups:
        raise ValueError(f"status {group!r} is not one of {', '.join([*groups, 'all'])} for {resource_type}")
    return tuple(groups[group])
