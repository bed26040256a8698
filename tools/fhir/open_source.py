"""Open a FHIR source from what the user typed: a FHIR base URL, or bundle/NDJSON files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from medcite.core.settings import Settings
from medcite.tools.fhir.local_source import LocalSource
from medcite.tools.fhir.server_source import ServerSource
from medcite.tools.fhir.source import FhirSource


def is_url(location: str | Path) -> bool:
    return str(location).startswith(("http://", "https://"))


def open_source(location: str | Path | Sequence[str | Path], settings: Settings | None = None) -> FhirSource:
    """A :class:`ServerSource` for an ``http(s)://`` base URL, else a :class:`LocalSource` over the
    given files and folders. Settings supply the token, timeouts, paging and file-size limits."""
    settings = settings or Settings.from_env()
    if isinstance(location, str | Path) and is_url(location):
        return ServerSource.from_settings(str(location), settings)
    return LocalSource.from_paths(
        [location] if isinstance(location, str | Path) else list(location),
        max_file_mb=settings.fhir_max_file_mb,
    )
