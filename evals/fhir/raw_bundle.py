"""Read a FHIR R4 Bundle as plain JSON, without ``tools.fhir``, so golds check that code independently."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from medcite.core.errors import InputError

Resource = dict[str, Any]


@dataclass
class RawBundle:
    """The resources of one bundle, indexed by citation key ``Type/id`` and by type."""

    path: Path
    resources: list[Resource]
    by_key: dict[str, Resource] = field(default_factory=dict)
    by_type: dict[str, list[Resource]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for res in self.resources:
            self.by_key[resource_key(res)] = res
            self.by_type.setdefault(res["resourceType"], []).append(res)

    def of_type(self, resource_type: str) -> list[Resource]:
        return self.by_type.get(resource_type, [])

    @property
    def patient(self) -> Resource:
        return self.of_type("Patient")[0]

    @property
    def patient_id(self) -> str:
        return str(self.patient["id"])


def resource_key(res: Resource) -> str:
    return f"{res['resourceType']}/{res['id']}"


@lru_cache(maxsize=64)
def read_bundle(path: Path) -> RawBundle:
    """Parse a Bundle file; entries without an ``id`` take it from a ``urn:uuid:`` fullUrl."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"FHIR bundle not found: {path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a JSON file ({exc})") from exc
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise InputError(f"{path}: expected a FHIR Bundle (resourceType 'Bundle')")
    resources: list[Resource] = []
    for i, entry in enumerate(data.get("entry") or []):
        res = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(res, dict) or "resourceType" not in res:
            raise InputError(f"{path}: entry {i} has no resource with a resourceType")
        if "id" not in res:
            full = str(entry.get("fullUrl", ""))
            if not full.startswith("urn:uuid:"):
                raise InputError(f"{path}: entry {i} ({res['resourceType']}) has neither an id nor a urn:uuid fullUrl")
            res = {**res, "id": full.removeprefix("urn:uuid:")}
        resources.append(res)
    bundle = RawBundle(path=path, resources=resources)
    if len(bundle.of_type("Patient")) != 1:
        raise InputError(f"{path}: expected exactly one Patient, found {len(bundle.of_type('Patient'))}")
    return bundle


def concept_text(concept: dict[str, Any] | None) -> str:
    """``text`` of a CodeableConcept, else its first coding's display, else its code."""
    if not concept:
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or []:
        if coding.get("display") or coding.get("code"):
            return str(coding.get("display") or coding.get("code"))
    return ""


def first_code(concept: dict[str, Any] | None, system: str | None = None) -> str | None:
    for coding in (concept or {}).get("coding") or []:
        if system is None or coding.get("system") == system:
            return str(coding["code"]) if "code" in coding else None
    return None


def status_code(res: Resource, field_name: str) -> str | None:
    """A status that may be a plain code (``status``) or a CodeableConcept (``clinicalStatus``)."""
    value = res.get(field_name)
    if isinstance(value, str):
        return value
    return first_code(value) if isinstance(value, dict) else None


def effective_instant(res: Resource) -> str | None:
    """The clinically relevant time of an Observation or Encounter, as written in the resource."""
    for name in ("effectiveDateTime", "effectiveInstant"):
        if res.get(name):
            return str(res[name])
    for name in ("effectivePeriod", "period"):
        if isinstance(res.get(name), dict) and res[name].get("start"):
            return str(res[name]["start"])
    return str(res["issued"]) if res.get("issued") else None


def day(instant: str | None) -> str | None:
    """The calendar date ``YYYY-MM-DD`` of a FHIR date/dateTime as written (no time-zone shift)."""
    return instant[:10] if instant and len(instant) >= 10 else None
