"""In-memory index over validated resources: by type and patient (date-ordered), code, display text,
status and category, so a search touches only the candidates it can match."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from medcite.core.vocabulary import normalize_name
from medcite.tools.fhir import resource_fields as rf
from medcite.tools.fhir.fhir_dates import day_end
from medcite.tools.fhir.query import SearchQuery, matches, order_key


class _DateOrdered:
    """Keys in canonical order with their start dates, for cutting a date window by bisection."""

    def __init__(self) -> None:
        self.items: list[tuple[datetime, str]] = []

    def up_to(self, last_day: datetime | None) -> list[str]:
        if last_day is None:
            return [key for _, key in self.items]
        cut = bisect_right(self.items, (last_day, "\uffff"))
        return [key for _, key in self.items[:cut]]


class ResourceIndex:
    def __init__(self, resources: Iterable[dict[str, Any]]) -> None:
        self._by_key: dict[str, dict[str, Any]] = {}
        self._ordered: dict[tuple[str, str | None], _DateOrdered] = defaultdict(_DateOrdered)
        self._by_code: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._by_text: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self._by_status: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._by_category: dict[tuple[str, str], set[str]] = defaultdict(set)
        for res in resources:
            self._add(res)
        for bucket in self._ordered.values():
            bucket.items.sort()

    def _add(self, res: dict[str, Any]) -> None:
        key, rtype = rf.resource_key(res), str(res["resourceType"])
        self._by_key[key] = res
        start = order_key(res)[0]
        self._ordered[(rtype, None)].items.append((start, key))
        pid = rf.patient_id(res)
        if pid is not None:
            self._ordered[(rtype, pid)].items.append((start, key))
        for coding in rf.codes(res):
            if coding.code:
                self._by_code[(rtype, coding.code)].add(key)
        for text in rf.code_texts(res):
            self._by_text[rtype][normalize_name(text)].add(key)
        status = rf.status(res)
        if status:
            self._by_status[(rtype, status)].add(key)
        for category in rf.categories(res):
            self._by_category[(rtype, category)].add(key)

    def get(self, key: str) -> dict[str, Any] | None:
        return self._by_key.get(key)

    def patient_ids(self) -> list[str]:
        return sorted(key.split("/", 1)[1] for key in self._ordered[("Patient", None)].up_to(None))

    def _narrowing_sets(self, query: SearchQuery) -> list[set[str]]:
        rtype, sets = query.resource_type, []
        code_parts = [t.split("|", 1)[-1] for t in query.codes]
        if code_parts and all(code_parts):
            sets.append(set().union(*(self._by_code.get((rtype, c), set()) for c in code_parts)))
        if query.text:
            needle = normalize_name(query.text)
            texts = self._by_text.get(rtype, {})
            sets.append(set().union(*(keys for text, keys in texts.items() if needle in text)))
        if query.statuses:
            sets.append(set().union(*(self._by_status.get((rtype, s), set()) for s in query.statuses)))
        if query.categories:
            sets.append(set().union(*(self._by_category.get((rtype, c), set()) for c in query.categories)))
        return sets

    def search(self, query: SearchQuery) -> list[dict[str, Any]]:
        bucket = self._ordered.get((query.resource_type, query.patient))
        if bucket is None:
            return []
        keys = bucket.up_to(day_end(query.date_le) if query.date_le else None)
        for narrowing in self._narrowing_sets(query):
            keys = [k for k in keys if k in narrowing]
        found = [self._by_key[k] for k in keys if matches(self._by_key[k], query)]
        return found[::-1] if query.newest_first else found
