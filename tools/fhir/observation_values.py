"""Observation values as typed :class:`Value` objects (single value or components), and their trends."""

from __future__ import annotations

from typing import Any

from medcite.core.evidence import Trend, Value, values_text
from medcite.tools.fhir import resource_fields as rf
from medcite.tools.fhir.formatting import clean_text, format_number, format_quantity

STABLE_WITHIN = 0.01  # relative change treated as no change
# Components written in clinical order: systolic before diastolic (LOINC), whatever the resource's order.
COMPONENT_ORDER = ("8480-6", "8462-3")


def _value_of(element: dict[str, Any]) -> Value | None:
    if "valueQuantity" in element:
        q = element["valueQuantity"]
        text = format_quantity(q)
        if text is None:
            return None
        unit = clean_text(q.get("unit") or q.get("code") or "", 40) or None
        return Value(text=text, number=float(q["value"]), unit=unit, comparator=q.get("comparator"))
    if "valueCodeableConcept" in element:
        return Value(text=clean_text(rf.concept_text(element["valueCodeableConcept"]) or "coded value"))
    if "valueString" in element:
        return Value(text=clean_text(element["valueString"], 120))
    if "valueBoolean" in element:
        return Value(text="yes" if element["valueBoolean"] else "no")
    if "valueInteger" in element:
        return Value(text=str(element["valueInteger"]), number=float(element["valueInteger"]))
    if "valueRange" in element:
        low = format_quantity(element["valueRange"].get("low")) or "?"
        high = format_quantity(element["valueRange"].get("high")) or "?"
        return Value(text=f"{low} to {high}")
    if "valueRatio" in element:
        num = format_quantity(element["valueRatio"].get("numerator")) or "?"
        den = format_quantity(element["valueRatio"].get("denominator")) or "?"
        return Value(text=f"{num} / {den}")
    for key in ("valueDateTime", "valuePeriod", "valueTime"):
        if key in element:
            return Value(text=clean_text(json_scalar(element[key])))
    if "dataAbsentReason" in element:
        return Value(text=f"no value ({clean_text(rf.concept_text(element['dataAbsentReason']) or 'absent')})")
    return None


def json_scalar(value: Any) -> str:
    if isinstance(value, dict):
        return " to ".join(str(v) for v in (value.get("start"), value.get("end")) if v)
    return str(value)


def _component_rank(value: Value) -> int:
    return COMPONENT_ORDER.index(value.code) if value.code in COMPONENT_ORDER else len(COMPONENT_ORDER)


def values(observation: dict[str, Any]) -> list[Value]:
    """The observation's own value, else its components' values (systolic before diastolic)."""
    own = _value_of(observation)
    if own is not None:
        return [own]
    out = []
    for comp in observation.get("component") or []:
        found = _value_of(comp) if isinstance(comp, dict) else None
        if found is not None:
            label = clean_text(rf.concept_text(comp.get("code")) or "component", 60)
            code = next((c.code for c in rf.codings_of(comp.get("code")) if c.code), None)
            out.append(found.model_copy(update={"label": label, "code": code}))
    return sorted(out, key=_component_rank)


def short_text(vals: list[Value]) -> str:
    """Compact form for earlier results: '120/80 mm(Hg)' when components share a unit (same order as
    the latest reading's components)."""
    units = {v.unit for v in vals}
    if len(vals) > 1 and len(units) == 1 and all(v.number is not None for v in vals):
        unit = units.pop()
        joined = "/".join(format_number(v.number) for v in vals)
        return f"{joined} {unit}" if unit else joined
    return values_text(vals)


def trend(latest: list[Value], previous: list[Value]) -> list[Trend] | None:
    """Direction of each numeric value from the previous result to the latest, when comparable."""
    if not latest or len(latest) != len(previous):
        return None
    out: list[Trend] = []
    for new, old in zip(latest, previous, strict=True):
        if new.number is None or old.number is None or new.label != old.label or new.unit != old.unit:
            return None
        scale = max(abs(old.number), 1e-9)
        change = (new.number - old.number) / scale
        out.append("stable" if abs(change) <= STABLE_WITHIN else ("rising" if change > 0 else "falling"))
    return out
