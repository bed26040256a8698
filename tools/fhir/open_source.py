"""Open a FHIR source from what the user typed (a FHIR base URL, or bundle/NDJSON files) and pick its patient."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from medcite.core.errors import InputError
from medcite.core.settings import Settings
from medcite.tools.fhir.json_input import InputLimits
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
        limits=InputLimits.from_settings(settings),
    )


def pick_patient(source: FhirSource, patient_id: str | None) -> str:
    """The requested patient (checked for local sources), or the only patient of the source."""
    if patient_id:
        if isinstance(source, LocalSource) and patient_id not in source.patient_ids():
            known = ", ".join(source.patient_ids()[:10]) or "none"
            raise InputError(f"patient {patient_id!r} is not in {source.description}; patients: {known}")
        return patient_id
    ids = source.patient_ids()
    if len(ids) == 1:
        return ids[0]
    if not ids:
        left_out = next((i for i in source.report.excluded if (i.key or "").startswith("Patient/")), None)
        why = f": the Patient was left out ({left_out})" if left_out else ""
        raise InputError(f"{source.description} holds no usable Patient resource{why}")
    listed = ", ".join(ids[:10]) + (" ..." if len(ids) > 10 else "")
    raise InputError(f"{source.description} holds {len(ids)} patients; choose one with --patient ID ({listed})")
