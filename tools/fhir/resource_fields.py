"""Read the searchable fields of a raw FHIR resource (patient, date, codes, status, category).

The element paths come from ``data/search_params.json`` so the local index and the server query
builder agree on what each search parameter covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from medcite.core.resources import load_json
from medcite.tools.fhir.fhir_dates import DateRange, element_range

Resource = dict[str, Any]


@dataclass(frozen=True)
class ParamSpec:
    """One search parameter: its server name and the element paths it covers."""

    param: str
    paths: tuple[str, ...]


@dataclass(frozen=True)
class TypeSpec:
    patient_paths: tuple[str, ...]
    date: ParamSpec | None
    code: ParamSpec | None
    status: ParamSpec | None
    category: ParamSpec | None


@dataclass(frozen=True)
class Coding:
    system: str | None
    code: str | None
    display: str | None


_GENERIC = TypeSpec(("subject", "patient"), None, None, None, None)


@cache
def _type_specs() -> dict[str, TypeSpec]:
    raw = load_json("medcite.tools.fhir", "data/search_params.json")
    specs: dict[str, TypeSpec] = {}
    for rtype, spec in raw.items():

        def param(name: str, spec: dict[str, Any] = spec) -> ParamSpec | None:
            entry = spec.get(name)
            return ParamSpec(entry["param"], tuple(entry["paths"])) if entry else None

        specs[rtype] = TypeSpec(
            tuple(spec.get("patient", [])),
            param("date"),
            param("code"),
            param("status"),
            param("category"),
        )
    return specs


def type_spec(resource_type: str) -> TypeSpec:
    return _type_specs().get(resource_type, _GENERIC)


def resource_key(resource: Resource) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def values_at(resource: Resource, path: str) -> list[Any]:
    """Values at a dotted element path, flattening lists on the way."""
    items: list[Any] = [resource]
    for part in path.split("."):
        nxt: list[Any] = []
        for item in items:
            if isinstance(item, dict) and part in item:
                value = item[part]
                nxt.extend(value if isinstance(value, list) else [value])
        items = nxt
    return items


def reference_target(reference: str) -> tuple[str, str] | None:
    """``(type, id)`` of a literal reference: ``Patient/1``, ``http://x/fhir/Patient/1/_history/2``."""
    parts = [p for p in reference.split("?")[0].split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2][:1].isupper() and not reference.startswith(("urn:", "#")):
        return parts[-2], parts[-1]
    return None


def patient_id(resource: Resource) -> str | None:
    """Id of the patient a resource belongs to (its own id for a Patient)."""
    if resource.get("resourceType") == "Patient":
        rid = resource.get("id")
        return rid if isinstance(rid, str) else None
    for path in type_spec(str(resource.get("resourceType"))).patient_paths:
        for ref in values_at(resource, path):
            target = reference_target(ref.get("reference", "")) if isinstance(ref, dict) else None
            if target and target[0] == "Patient":
                return target[1]
    return None


def codings_of(value: Any) -> list[Coding]:
    """Codings of a CodeableConcept, a Coding, or a plain code string."""
    if isinstance(value, str):
        return [Coding(None, value, None)]
    if not isinstance(value, dict):
        return []
    if "coding" in value or "text" in value:
        return [
            Coding(c.get("system"), c.get("code"), c.get("display"))
            for c in value.get("coding") or []
            if isinstance(c, dict)
        ]
    if "code" in value or "system" in value:
        return [Coding(value.get("system"), value.get("code"), value.get("display"))]
    return []


def _codings_at(resource: Resource, spec: ParamSpec | None) -> list[Coding]:
    if spec is None:
        return []
    return [c for path in spec.paths for v in values_at(resource, path) for c in codings_of(v)]


def codes(resource: Resource) -> list[Coding]:
    return _codings_at(resource, type_spec(str(resource.get("resourceType"))).code)


def categories(resource: Resource) -> list[str]:
    found = _codings_at(resource, type_spec(str(resource.get("resourceType"))).category)
    return [c.code for c in found if c.code]


def status(resource: Resource) -> str | None:
    spec = type_spec(str(resource.get("resourceType"))).status
    found = _codings_at(resource, spec)
    return found[0].code if found else None


def code_texts(resource: Resource) -> list[str]:
    """Display strings and ``text`` of the resource's code element (for name search)."""
    spec = type_spec(str(resource.get("resourceType"))).code
    out: list[str] = []
    for path in spec.paths if spec else ():
        for value in values_at(resource, path):
            if isinstance(value, dict) and isinstance(value.get("text"), str):
                out.append(value["text"])
    out.extend(c.display for c in codes(resource) if c.display)
    return out


def date_value(resource: Resource) -> Any:
    """The raw element behind the type's date search parameter (first present path)."""
    spec = type_spec(str(resource.get("resourceType"))).date
    for path in spec.paths if spec else ():
        values = values_at(resource, path)
        if values:
            return values[0]
    return None


def date_range(resource: Resource) -> DateRange | None:
    return element_range(date_value(resource))


def concept_text(value: Any) -> str | None:
    """Human text of a CodeableConcept/Coding: ``text``, else the first display, else the code."""
    if isinstance(value, dict) and isinstance(value.get("text"), str) and value["text"].strip():
        return str(value["text"])
    found = codings_of(value)
    for c in found:
        if c.display:
            return c.display
    return found[0].code if found and found[0].code else None
