"""Untrusted FHIR JSON read within limits: nesting depth, numbers FHIR cannot hold, broken Unicode and
over-long strings, each reported with the path of the element concerned.

:func:`parse_json` never raises anything but :class:`JsonProblem`; numbers that JSON parses but FHIR
cannot hold (``NaN``, ``Infinity``, ``1e400``, a 5,000-digit integer) become :class:`BadNumber` markers
that :func:`inspect_resource` reports, so one bad entry is left out instead of the whole file.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from medcite.core.errors import ConfigError
from medcite.core.settings import Settings

MAX_NUMBER_CHARS = 40  # FHIR decimals need 18 digits; anything this long is not a clinical value
DEPTH_RANGE = (8, 500)  # Python's JSON reader itself stops near 1,000 levels
IDENTIFIERS = frozenset({"id", "reference", "system", "code", "url"})  # never cut: matched, not read
TRUNCATION_MARK = " [… truncated: {more} more characters not shown]"
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')


@dataclass(frozen=True)
class InputLimits:
    """What one local FHIR file may hold; each bound is a ``MEDCITE_FHIR_MAX_*`` setting."""

    max_file_bytes: int
    max_resources: int
    max_text_chars: int
    max_depth: int

    @classmethod
    def from_settings(cls, settings: Settings) -> InputLimits:
        low, high = DEPTH_RANGE
        if not low <= settings.fhir_max_depth <= high:
            raise ConfigError(f"MEDCITE_FHIR_MAX_DEPTH must be between {low} and {high}, got {settings.fhir_max_depth}")
        for name, least in (("fhir_max_file_mb", 0.001), ("fhir_max_resources", 1), ("fhir_max_text_chars", 256)):
            if getattr(settings, name) < least:
                raise ConfigError(f"MEDCITE_{name.upper()} must be at least {least}, got {getattr(settings, name)}")
        return cls(
            max_file_bytes=int(settings.fhir_max_file_mb * 1_000_000),
            max_resources=settings.fhir_max_resources,
            max_text_chars=settings.fhir_max_text_chars,
            max_depth=settings.fhir_max_depth,
        )


class BadNumber:
    """Stands in for a number literal FHIR cannot hold; never reaches an accepted resource."""

    __slots__ = ("literal",)

    def __init__(self, literal: str) -> None:
        self.literal = literal

    def __repr__(self) -> str:
        return self.literal if len(self.literal) <= 24 else f"{self.literal[:24]}… ({len(self.literal)} characters)"


class JsonProblem(Exception):
    """Text that cannot be read as JSON within the limits; ``line``/``column`` locate it."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _number(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(literal: str) -> Any:
        if len(literal) > MAX_NUMBER_CHARS:
            return BadNumber(literal)
        value = convert(literal)
        return BadNumber(literal) if isinstance(value, float) and not math.isfinite(value) else value

    return parse


_parse_float, _parse_int = _number(float), _number(int)


def parse_json(text: str, max_depth: int, outer: int = 0) -> Any:
    """``json.loads`` that turns every failure, deep nesting included, into a located :class:`JsonProblem`.
    ``outer``: levels of wrapping around the resources (3 in a Bundle: Bundle, entry list, entry)."""
    try:
        return json.loads(text, parse_constant=BadNumber, parse_float=_parse_float, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise JsonProblem(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        offset = _too_deep_at(text, max_depth + outer)
        line = text.count("\n", 0, offset) + 1
        column = offset - text.rfind("\n", 0, offset)
        message = f"nested more than {max_depth} levels deep (limit: MEDCITE_FHIR_MAX_DEPTH)"
        raise JsonProblem(message, line, column) from None


def _too_deep_at(text: str, max_depth: int) -> int:
    """Offset of the first bracket that opens more than ``max_depth`` levels (strings skipped)."""
    depth = 0
    for m in _TOKEN.finditer(text):
        ch = text[m.start()]
        if ch in "[{":
            depth += 1
            if depth > max_depth:
                return m.start()
        elif ch in "]}":
            depth -= 1
    return 0


def may_hold_broken_unicode(text: str) -> bool:
    """Whether JSON text escapes a lone UTF-16 surrogate (``\\ud800``); UTF-8 text cannot hold one otherwise."""
    return _SURROGATE_ESCAPE.search(text) is not None


@dataclass
class _LongText:
    container: dict[str, Any] | list[Any]
    slot: str | int
    path: str
    length: int


@dataclass
class Inspection:
    """What :func:`inspect_resource` found: a reason to leave the resource out, or repairs to report."""

    error: str | None = None
    repaired: list[str] = field(default_factory=list)  # paths whose broken Unicode became U+FFFD
    long_texts: list[_LongText] = field(default_factory=list)

    def truncate(self, max_chars: int) -> list[str]:
        """Cut every over-long string to ``max_chars`` plus a marker; one warning per string."""
        notes = []
        for t in self.long_texts:
            value = t.container[t.slot]  # type: ignore[index]
            t.container[t.slot] = value[:max_chars] + TRUNCATION_MARK.format(more=f"{t.length - max_chars:,}")  # type: ignore[index]
            notes.append(
                f"text at {t.path} has {t.length:,} characters; kept the first {max_chars:,} "
                "(limit: MEDCITE_FHIR_MAX_TEXT_CHARS)"
            )
        return notes


def short_path(path: str, most: int = 120) -> str:
    return path if len(path) <= most else f"{path[: most // 2]}…{path[-most // 2 :]}"


def inspect_resource(resource: dict[str, Any], limits: InputLimits, *, check_unicode: bool) -> Inspection:
    """Walk one resource (without recursion): depth over the limit or a :class:`BadNumber` is an error;
    lone surrogates are replaced (``check_unicode``); strings over ``max_text_chars`` are noted for
    :meth:`Inspection.truncate`, which the loader calls once the resource is accepted."""
    found = Inspection()
    rtype = resource.get("resourceType")
    stack: list[tuple[Any, str, int]] = [(resource, rtype if isinstance(rtype, str) else "resource", 1)]
    while stack:
        node, path, depth = stack.pop()
        if depth > limits.max_depth:
            found.error = (
                f"nested more than {limits.max_depth} levels deep at {short_path(path)} (limit: MEDCITE_FHIR_MAX_DEPTH)"
            )
            return found
        if isinstance(node, dict):
            if check_unicode:
                _repair_keys(node, path, found)
            slots: Any = node.items()
        else:
            slots = enumerate(node)
        for slot, value in slots:
            if isinstance(value, dict | list):
                stack.append((value, f"{path}.{slot}" if isinstance(slot, str) else f"{path}[{slot}]", depth + 1))
            elif isinstance(value, str):
                if check_unicode and _SURROGATE.search(value):
                    node[slot] = _SURROGATE.sub("\ufffd", value)
                    found.repaired.append(_child(path, slot))
                if len(value) > limits.max_text_chars:
                    if slot in IDENTIFIERS:
                        found.error = (
                            f"{short_path(_child(path, slot))} has {len(value):,} characters, over the "
                            f"{limits.max_text_chars:,}-character limit; an identifier cannot be cut "
                            "(limit: MEDCITE_FHIR_MAX_TEXT_CHARS)"
                        )
                        return found
                    found.long_texts.append(_LongText(node, slot, _child(path, slot), len(value)))
            elif isinstance(value, BadNumber):
                found.error = f"{value!r} at {short_path(_child(path, slot))} is not a number FHIR can hold"
                return found
    return found


def _child(path: str, slot: str | int) -> str:
    return f"{path}.{slot}" if isinstance(slot, str) else f"{path}[{slot}]"


def _repair_keys(node: dict[str, Any], path: str, found: Inspection) -> None:
    broken = [k for k in node if _SURROGATE.search(k)]
    for key in broken:
        fixed = _SURROGATE.sub("\ufffd", key)
        node[fixed] = node.pop(key)
        found.repaired.append(_child(path, fixed))
