"""Observation values as text and numbers (single value or components), and their trends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from medcite.tools.fhir import resource_fields as rf
from medcite.tools.fhir.formatting import clean_text, format_number, format_quantity

Trend = Literal["rising", "falling", "stable"]
STABLE_WITHIN = 0.01  # relative change treated as no change


@dataclass(frozen=True)
class Value:
    """One reported value: ``label`` is set for components ('Systolic Blood Pressure')."""

    label: str | None
    text: str
    number: float | None
    unit: str | None


def _value_of(element: dict[str, Any]) -> tuple[str, float | None, str | None] | None:
    if "valueQuantity" in element:
        q = element["valueQuantity"]
        text = format_quantity(q)
        if text is None:
            return None
        number = q.get("value")
        return text, float(number), clean_text(q.get("unit") or q.get("code") or "", 40) or None
    if "valueCodeableConcept" in element:
        return (
            clean_text(rf.concept_text(element["valueCodeableConcept"]) or "coded value"),
            None,
            None,
        )
    if "valueString" in element:
        return clean_text(element["valueString"], 120), None, None
    if "valueBoolean" in element:
        return ("yes" if element["valueBoolean"] else "no"), None, None
    if "valueInteger" in element:
        return str(element["valueInteger"]), float(element["valueInteger"]), None
    if "valueRange" in element:
        low = format_quantity(element["valueRange"].get("low")) or "?"
        high = format_quantity(element["valueRange"].get("high")) or "?"
        return f"{low} to {high}", None, None
    if "valueRatio" in element:
        num = format_quantity(element["valueRatio"].get("numerator")) or "?"
        den = format_quantity(element["valueRatio"].get("denominator")) or "?"
        return f"{num} / {den}", None, None
    for key in ("valueDateTime", "valuePeriod", "valueTime"):
        if key in element:
            return clean_text(json_scalar(element[key])), None, None
    if "dataAbsentReason" in element:
        return (
            f"no value ({clean_text(rf.concept_text(element['dataAbsentReason']) or 'absent')})",
            None,
            None,
        )
    return None


def json_scalar(value: Any) -> str:
    if isinstance(value, dict):
        return " to ".join(str(v) for v in (value.get("start"), value.get("end")) if v)
    return str(value)


def values(observation: dict[str, Any]) -> list[Value]:
    """The observation's own value, else its components' values."""
    own = _value_of(observation)
    if own is not None:
        return [Value(None, *own)]
    out = []
    for comp in observation.get("component") or []:
        found = _value_of(comp) if isinstance(comp, dict) else None
        if found is not None:
            label = clean_text(rf.concept_text(comp.get("code")) or "component", 60)
            out.append(Value(label, *found))
    return out


def full_text(vals: list[Value]) -> str:
    """'6.2 %' or 'Diastolic Blood Pressure 80 mm(Hg), Systolic Blood Pressure 120 mm(Hg)'."""
    if not vals:
        return "no value"
    return ", ".join(f"{v.label} {v.text}" if v.label else v.text for v in vals)


def short_text(vals: list[Value]) -> str:
    """Compact form for earlier results: '80/120 mm(Hg)' when components share a unit."""
    units = {v.unit for v in vals}
    if len(vals) > 1 and len(units) == 1 and all(v.number is not None for v in vals):
        unit = units.pop()
        joined = "/".join(format_number(v.number) for v in vals)
        return f"{joined} {unit}" if unit else joined
    return full_text(vals)


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
