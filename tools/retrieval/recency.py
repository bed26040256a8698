"""Dates of guideline passages: staleness (a newer version in the store, or the issuer's review cycle
passed), the newest passage on a topic first, and what each issuer's corpus is and prefers."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from medcite.core.resources import load_typed
from medcite.tools.retrieval.passage import Passage, normalize_date

T = TypeVar("T")

_YEARISH = re.compile(r"\b(19|20)\d{2}\b|\bv(ersion)?\s*\d+(\.\d+)*\b|\b(update[sd]?|revised|edition)\b")
NEAR_DUPLICATE_COSINE = 0.95


def period_end(date: str | None) -> dt.date | None:
    """The last day an ISO date (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) can mean, or None."""
    if not date:
        return None
    parts = [int(p) for p in date.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 12
    day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
    return dt.date(year, month, day)


def is_stale(date: str | None, max_age_years: float, today: dt.date | None = None) -> bool:
    """True when the passage is certainly older than ``max_age_years`` (undated passages are not)."""
    end = period_end(date)
    if end is None:
        return False
    today = today or dt.date.today()
    return (today - end).days > max_age_years * 365.25


def topic_key(topic: str | None, title: str) -> str:
    """Normalise a topic (or the title): lower case, without years, version numbers or punctuation."""
    text = _YEARISH.sub(" ", (topic or title).lower())
    return " ".join(re.findall(r"[a-z0-9]+", text))


def version_key(passage: Passage) -> str:
    """What versions of one guideline share: the issuer and the topic (another issuer's page on the same
    topic is not a newer version)."""
    return f"{passage.issuer.lower()}|{topic_key(passage.topic, passage.title)}"


def same_topic_groups(topics: Sequence[str], embeddings: Sequence[np.ndarray | None]) -> list[int]:
    """Group per item: items with the same topic key, or near-duplicate text (cosine ≥ 0.95), and
    everything linked to them through such pairs, share a group, labelled by its first item's index."""
    codes: dict[str, int] = {}
    topic_ids = np.array([codes.setdefault(key, len(codes)) for key in topics], dtype=np.int64)
    linked = topic_ids[:, None] == topic_ids[None, :]
    present = [(i, e) for i, e in enumerate(embeddings) if e is not None]
    if len(present) > 1:
        rows = [i for i, _ in present]
        mat = np.stack([e for _, e in present])
        mat = mat / np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
        near = np.triu((mat @ mat.T) >= NEAR_DUPLICATE_COSINE, 1)
        linked[np.ix_(rows, rows)] |= near | near.T
    return _components(linked)


def _components(linked: np.ndarray) -> list[int]:
    """Connected components of a symmetric boolean adjacency matrix, each labelled by its smallest index
    (label propagation: every item takes the smallest label among its neighbours until nothing changes)."""
    n = len(linked)
    labels = np.arange(n)
    while n:
        spread = np.where(linked, labels[None, :], n).min(axis=1)
        if np.array_equal(spread, labels):
            return [int(x) for x in labels]
        labels = spread
    return []


def prefer_newest(
    items: Sequence[T],
    groups: Sequence[int],
    date_of: Callable[[T], str | None],
) -> tuple[list[T], dict[int, int]]:
    """Reorder so that within each group the newest item takes the group's best rank.

    Items keep the rank slots their group occupies; only the order inside a group changes (newest
    first, undated last, ties stable). Returns the new order and, for each older item (by index in
    ``items``), the index of the newest item of its group.
    """
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    order = list(range(len(items)))
    older_than: dict[int, int] = {}
    for idx in members.values():
        if len(idx) < 2:
            continue
        by_date = sorted(idx, key=lambda i: period_end(date_of(items[i])) or dt.date.min, reverse=True)
        newest = by_date[0]
        newest_end = period_end(date_of(items[newest]))
        for slot, item in zip(idx, by_date, strict=True):
            order[slot] = item
        for i in idx:
            end = period_end(date_of(items[i]))
            if newest_end is not None and (end is None or end < newest_end):
                older_than[i] = newest
    return [items[i] for i in order], older_than


# --- issuers: snapshot dates, review cycles, preferred sections ----------------------------------------


class IssuerPolicy(BaseModel):
    """What is known about one source of passages (``data/issuers.json``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    corpus: str = Field(min_length=1, description="the corpus name shown with its snapshot date")
    issuers: tuple[str, ...] = Field(min_length=1)
    current_as_of: str | None = Field(default=None, description="the day the source listed its content as current")
    review_cycle_years: float = Field(gt=0)
    section_order: tuple[str, ...] = ()
    background_sections: tuple[str, ...] = ()
    screening_topics: tuple[str, ...] = Field(
        default=(), description="topic endings of screening recommendations (for people without the condition)"
    )

    @field_validator("current_as_of", mode="before")
    @classmethod
    def _date(cls, value: Any) -> str | None:
        return normalize_date(value)

    def review_passed(self, date: str | None, today: dt.date | None = None) -> bool:
        """The issuer's review cycle has passed since the snapshot (or the passage's own date)."""
        return is_stale(self.current_as_of or date, self.review_cycle_years, today)

    def section_rank(self, section: str) -> int:
        """Position of the section in ``section_order`` (unlisted after listed, background last)."""
        low = section.lower()
        if any(low.startswith(b.lower()) for b in self.background_sections):
            return len(self.section_order) + 1
        for i, name in enumerate(self.section_order):
            if low.startswith(name.lower()):
                return i
        return len(self.section_order)

    def is_screening(self, topic: str | None) -> bool:
        return bool(topic) and any(str(topic).endswith(end) for end in self.screening_topics)

    def is_background(self, section: str) -> bool:
        return self.section_rank(section) > len(self.section_order)

    def snapshot_line(self) -> str:
        """'USPSTF recommendations as of 2024-05-02'."""
        return f"{self.corpus} as of {self.current_as_of}" if self.current_as_of else self.corpus


class _Policies(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    policies: tuple[IssuerPolicy, ...]


@cache
def issuer_policies() -> dict[str, IssuerPolicy]:
    """Policy by issuer name, from ``data/issuers.json``."""
    table = load_typed("medcite.tools.retrieval", "data/issuers.json", _Policies)
    return {issuer: policy for policy in table.policies for issuer in policy.issuers}


def stale_reason(
    passage: Passage, fallback_years: float, newer: str | None = None, today: dt.date | None = None
) -> str | None:
    """Why a passage is stale, or None: a newer version in the store, or its issuer's review cycle has
    passed (issuers without a policy: older than ``fallback_years``)."""
    if newer is not None:
        return f"superseded by {newer}"
    policy = issuer_policies().get(passage.issuer)
    if policy is not None:
        if policy.review_passed(passage.date, today):
            since = f"since {policy.current_as_of}" if policy.current_as_of else f"since {passage.date}"
            return f"past the {passage.issuer} review cycle of {policy.review_cycle_years:g} years {since}"
        return None
    if is_stale(passage.date, fallback_years, today):
        return f"older than {fallback_years:g} years"
    return None


class TopicVersions:
    """The newest date of every topic in the store, to tell whether a passage has a newer version."""

    def __init__(self, items: Iterable[tuple[str, str, str | None]]) -> None:
        """``items``: (passage id, version key, date); see :func:`version_key`."""
        self._newest: dict[str, tuple[dt.date, str]] = {}
        for pid, key, date in items:
            end = period_end(date)
            if end is None:
                continue
            best = self._newest.get(key)
            if best is None or (end, pid) > best:
                self._newest[key] = (end, pid)

    def newer_than(self, key: str, date: str | None) -> str | None:
        """The id of a passage on the same topic dated after ``date``; None when there is none."""
        best = self._newest.get(key)
        end = period_end(date)
        if best is None or end is None or best[0] <= end:
            return None
        return best[1]
