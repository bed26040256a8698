"""Small text helpers for rendered lines: numbers, quantities, code labels, and safe free text."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from medcite.core.resources import load_json
from medcite.tools.fhir import resource_fields as rf

MAX_TEXT = 160
_SPACE_RE = re.compile(r"\s+")


def clean_text(value: Any, limit: int = MAX_TEXT) -> str:
    """One line of inert text: no newlines or control characters, no square brackets (so data can
    never look like a citation key), and at most ``limit`` characters."""
    text = _SPACE_RE.sub(" ", str(value)).strip()
    text = "".join(ch for ch in text if ch.isprintable())
    text = text.replace("[", "(").replace("]", ")")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def format_number(value: Any) -> str:
    """At most 4 significant digits, no exponent notation: 178.88023 -> '178.9', 6.0 -> '6'."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return clean_text(value)
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    if abs(value) >= 1000:
        return str(round(value))
    text = f"{value:.4g}"
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def format_quantity(quantity: Any) -> str | None:
    """'6.2 %' from a Quantity (comparator kept: '<5 mg/dL')."""
    if not isinstance(quantity, dict) or quantity.get("value") is None:
        return None
    unit = quantity.get("unit") or quantity.get("code") or ""
    comparator = quantity.get("comparator") or ""
    return f"{comparator}{format_number(quantity['value'])} {clean_text(unit, 40)}".strip()


def _system_labels() -> dict[str, str]:
    labels: dict[str, str] = load_json("medcite.tools.fhir", "data/code_systems.json")
    return labels


def system_label(system: str | None) -> str | None:
    if not system:
        return None
    return _system_labels().get(system) or system.rstrip("/").rsplit("/", 1)[-1]


def primary_coding(value: Any) -> rf.Coding | None:
    found = [c for c in rf.codings_of(value) if c.code]
    return found[0] if found else None
