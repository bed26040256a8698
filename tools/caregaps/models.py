"""What the care-gap engine returns: one typed result per recommendation, and the report around them."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["due", "up_to_date", "not_applicable", "unknown"]
AsOfBasis = Literal["given", "today", "last_activity"]
STATUS_ORDER: tuple[Status, ...] = ("due", "unknown", "up_to_date", "not_applicable")
GUIDELINE_PREFIX = "guideline:"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RecordEntry(_Model):
    """A record entry a decision used: its citation key, day and what it is."""

    key: str
    day: date | None
    label: str


class AsOf(_Model):
    """The date care gaps are computed for, and why that date."""

    day: date
    basis: AsOfBasis
    last_activity: RecordEntry | None = None

    def statement(self) -> str:
        """'care gaps as of 2020-12-01, the record's last encounter'."""
        if self.basis == "given":
            return f"care gaps as of {self.day.isoformat()} (the date asked for)"
        if self.basis == "today":
            return f"care gaps as of {self.day.isoformat()} (today)"
        entry = self.last_activity
        what = "encounter" if entry is None or entry.key.startswith("Encounter/") else "entry"
        return f"care gaps as of {self.day.isoformat()}, the record's last {what}"


class CareGap(_Model):
    """The status of one recommendation for one patient on one date."""

    recommendation_id: int
    guideline_key: str = Field(description="the citation key of the recommendation statement")
    title: str
    grade: Literal["A", "B"]
    status: Status
    reason: str = Field(description="one clause: why this status")
    last: RecordEntry | None = Field(default=None, description="the latest qualifying record entry")
    interval: str | None = Field(default=None, description="how long one qualifying entry counts ('3 years', 'once')")
    due_date: date | None = Field(default=None, description="next due (up to date) or due since (due)")
    missing: tuple[str, ...] = Field(default=(), description="the data the record lacks (unknown)")
    evidence: tuple[RecordEntry, ...] = Field(default=(), description="the record entries the decision used")
    as_of: date

    @property
    def applicable(self) -> bool:
        return self.status != "not_applicable"

    @property
    def record_keys(self) -> list[str]:
        return list(dict.fromkeys(e.key for e in self.evidence))


class CareGapReport(_Model):
    """Every USPSTF A/B recommendation's status for one patient."""

    patient_id: str
    as_of: AsOf
    age: int | None
    sex: str | None
    pregnant: bool = Field(description="a pregnancy is active on the as-of date")
    rules_source: str
    snapshot: date = Field(description="the USPSTF data the rules follow is as of this date")
    gaps: tuple[CareGap, ...]

    def applicable(self) -> list[CareGap]:
        """Applicable recommendations: due first, then unknown, then up to date."""
        return sorted((g for g in self.gaps if g.applicable), key=lambda g: STATUS_ORDER.index(g.status))

    def counts(self) -> dict[Status, int]:
        return {s: sum(1 for g in self.gaps if g.status == s) for s in STATUS_ORDER}

    def snapshot_line(self) -> str:
        return f"USPSTF recommendations as of {self.snapshot.isoformat()}"
