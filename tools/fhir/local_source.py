"""FHIR source over local Bundle / NDJSON files, held in memory and indexed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from medcite.core.errors import InputError
from medcite.core.settings import Settings
from medcite.tools.fhir.bundle_loader import load_resources
from medcite.tools.fhir.json_input import InputLimits
from medcite.tools.fhir.local_index import ResourceIndex
from medcite.tools.fhir.query import SearchQuery
from medcite.tools.fhir.source import LoadReport


class LocalSource:
    """Validated resources from files. ``report`` lists every entry that was left out and why."""

    def __init__(self, resources: list[dict[str, Any]], report: LoadReport) -> None:
        self._index = ResourceIndex(resources)
        self._report = report

    @classmethod
    def from_paths(
        cls,
        paths: Sequence[str | Path] | str | Path,
        *,
        limits: InputLimits | None = None,
        strict: bool = False,
    ) -> LocalSource:
        """Load Bundle JSON / NDJSON files or folders; ``strict``: any left-out entry is an error.
        ``limits`` default to the ``MEDCITE_FHIR_MAX_*`` settings."""
        if isinstance(paths, str | Path):
            paths = [paths]
        loaded = load_resources(paths, limits=limits or InputLimits.from_settings(Settings.from_env()))
        if strict and not loaded.report.complete:
            details = "; ".join(str(i) for i in loaded.report.excluded[:5])
            more = len(loaded.report.excluded) - 5
            raise InputError(f"invalid FHIR input: {details}" + (f" (+{more} more)" if more > 0 else ""))
        return cls(loaded.resources, loaded.report)

    @property
    def description(self) -> str:
        files = self._report.sources
        where = files[0] if len(files) == 1 else f"{len(files)} files"
        return f"local FHIR data ({where}, {self._report.resources} resources)"

    @property
    def report(self) -> LoadReport:
        return self._report

    def patient_ids(self) -> list[str]:
        return self._index.patient_ids()

    def read(self, resource_type: str, resource_id: str) -> dict[str, Any] | None:
        return self._index.get(f"{resource_type}/{resource_id}")

    def search(self, query: SearchQuery) -> list[dict[str, Any]]:
        return self._index.search(query)
