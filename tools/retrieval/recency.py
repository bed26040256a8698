"""Dates of guideline passages: staleness, and preferring the newest passage on a topic."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

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
