"""FHIR date, dateTime, instant and Period values as UTC ranges, for filtering and ordering."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)

_DATE_RE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d+))?)?(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)

DateRange = tuple[datetime, datetime]


def parse_range(value: str) -> DateRange | None:
    """The [start, end] instants a FHIR date/dateTime/instant covers, given its precision (UTC)."""
    m = _DATE_RE.match(value.strip())
    if not m:
        return None
    g = m.groupdict()
    tz: timezone = UTC
    if g["tz"] and g["tz"] != "Z":
        sign = 1 if g["tz"][0] == "+" else -1
        hours, minutes = g["tz"][1:].split(":")
        tz = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    year = int(g["y"])
    try:
        if not g["m"]:
            start, end = datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
        elif not g["d"]:
            month = int(g["m"])
            start = datetime(year, month, 1, tzinfo=tz)
            end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
        elif not g["H"]:
            start = datetime(year, int(g["m"]), int(g["d"]), tzinfo=tz)
            end = start + timedelta(days=1)
        else:
            micro = int((g["f"] or "0")[:6].ljust(6, "0"))
            start = datetime(
                year,
                int(g["m"]),
                int(g["d"]),
                int(g["H"]),
                int(g["M"]),
                int(g["S"] or 0),
                micro,
                tzinfo=tz,
            )
            return start.astimezone(UTC), start.astimezone(UTC)
    except ValueError:
        return None
    return start.astimezone(UTC), (end - timedelta(microseconds=1)).astimezone(UTC)


def element_range(value: Any) -> DateRange | None:
    """Range of a date-like element: a string, or a Period (open ends are unbounded)."""
    if isinstance(value, str):
        return parse_range(value)
    if isinstance(value, dict) and ("start" in value or "end" in value):
        start = parse_range(value["start"]) if isinstance(value.get("start"), str) else None
        end = parse_range(value["end"]) if isinstance(value.get("end"), str) else None
        if start is None and end is None:
            return None
        return (start[0] if start else EARLIEST), (end[1] if end else LATEST)
    return None


def day_start(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def day_end(d: date) -> datetime:
    return day_start(d) + timedelta(days=1) - timedelta(microseconds=1)


def day_of(value: Any) -> str | None:
    """The calendar day (YYYY-MM-DD, as written) of a date-like element, for display."""
    if isinstance(value, str):
        return value[:10] if _DATE_RE.match(value.strip()) else None
    if isinstance(value, dict):
        return day_of(value.get("start")) or day_of(value.get("end"))
    return None
