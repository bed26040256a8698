"""FHIR source over any FHIR R4 REST server (HAPI, Google/Azure healthcare APIs, Medplum, ...).

Searches are sent with standard parameters (patient, code, category, status/clinical-status,
date ge/le, _sort, _count) and paged; what comes back is validated with R4B and filtered with the
same predicate as local data, so both sources give the same answer.
"""

from __future__ import annotations

from typing import Any

import httpx

from medcite.core.settings import Settings
from medcite.tools.fhir import resource_fields as rf
from medcite.tools.fhir.http_client import FhirHttpClient
from medcite.tools.fhir.json_input import InputLimits, inspect_resource
from medcite.tools.fhir.query import SearchQuery, in_order, matches
from medcite.tools.fhir.source import LoadIssue, LoadReport, Severity
from medcite.tools.fhir.validation import validation_error

INCLUDES = {
    "MedicationRequest": "MedicationRequest:medication",
    "MedicationStatement": "MedicationStatement:medication",
}


def search_params(query: SearchQuery, page_size: int) -> list[tuple[str, str]]:
    """Standard FHIR search parameters for ``query`` (text matching is left to the client)."""
    spec = rf.type_spec(query.resource_type)
    params: list[tuple[str, str]] = []
    if query.patient is not None:
        params.append(("_id", query.patient) if query.resource_type == "Patient" else ("patient", query.patient))
    for values, param in (
        (query.codes, spec.code),
        (query.statuses, spec.status),
        (query.categories, spec.category),
    ):
        if values and param:
            params.append((param.param, ",".join(v.replace(",", r"\,") for v in values)))
    if spec.date:
        if query.date_ge:
            params.append((spec.date.param, f"ge{query.date_ge.isoformat()}"))
        if query.date_le:
            params.append((spec.date.param, f"le{query.date_le.isoformat()}"))
        params.append(("_sort", f"-{spec.date.param}" if query.newest_first else spec.date.param))
    if query.resource_type in INCLUDES:
        params.append(("_include", INCLUDES[query.resource_type]))
    params.append(("_count", str(page_size)))
    return params


class ServerSource:
    """Read-only access to one FHIR base URL; invalid resources are listed in ``report``."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str = "",
        timeout_s: float = 30.0,
        max_retries: int = 3,
        max_pages: int = 50,
        page_size: int = 100,
        backoff_s: float = 0.5,
        max_wait_s: float = 30.0,
        limits: InputLimits | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.limits = limits or InputLimits.from_settings(Settings())
        self._client = FhirHttpClient(
            base_url,
            token=token,
            timeout_s=timeout_s,
            max_retries=max_retries,
            max_pages=max_pages,
            backoff_s=backoff_s,
            max_wait_s=max_wait_s,
            max_depth=self.limits.max_depth,
            transport=transport,
        )
        self.page_size = page_size
        self._report = LoadReport(sources=[self._client.base_url])
        self._known: dict[str, dict[str, Any] | None] = {}

    @classmethod
    def from_settings(cls, base_url: str, settings: Settings, **overrides: Any) -> ServerSource:
        options: dict[str, Any] = {
            "token": settings.fhir_token,
            "timeout_s": settings.fhir_timeout_s,
            "max_retries": settings.fhir_max_retries,
            "max_pages": settings.fhir_max_pages,
            "page_size": settings.fhir_page_size,
            "limits": InputLimits.from_settings(settings),
        }
        return cls(base_url, **{**options, **overrides})

    def __repr__(self) -> str:
        return f"ServerSource({self._client.base_url!r})"

    @property
    def base_url(self) -> str:
        return self._client.base_url

    def server_info(self) -> str:
        """What the server's CapabilityStatement says it is ('HAPI FHIR 4.0.1'); raises if unreachable."""
        body = self._client.get("metadata") or {}
        software = (body.get("software") or {}).get("name") or "FHIR server"
        return f"{software}, FHIR {body.get('fhirVersion') or 'version not stated'}"

    @property
    def requests_sent(self) -> int:
        return self._client.requests_sent

    @property
    def description(self) -> str:
        return f"FHIR server {self._client.base_url}"

    @property
    def report(self) -> LoadReport:
        return self._report

    def close(self) -> None:
        self._client.close()

    def _note(self, severity: Severity, where: str, message: str, key: str | None) -> None:
        issue = LoadIssue(severity=severity, where=where, message=message, key=key)
        if not any(i.key == issue.key and i.message == issue.message for i in self._report.issues):
            self._report.issues.append(issue)

    def _accept(self, resource: Any, where: str) -> dict[str, Any] | None:
        """The resource when it is within the limits and passes R4B validation (over-long text cut);
        otherwise record it in the report."""
        if not isinstance(resource, dict):
            self._note("error", where, "not a JSON object", None)
            return None
        key = rf.resource_key(resource)
        inspection = inspect_resource(resource, self.limits, check_unicode=True)
        problem = inspection.error or validation_error(resource)
        if problem is not None:
            self._note("error", where, problem, key)
            return None
        for element in inspection.repaired:
            self._note("warning", where, f"invalid Unicode (a lone surrogate) replaced by U+FFFD at {element}", key)
        for note in inspection.truncate(self.limits.max_text_chars):
            self._note("warning", where, note, key)
        return dict(resource)

    def patient_ids(self) -> list[str]:
        ids: set[str] = set()
        for page in self._client.pages("Patient", [("_elements", "id"), ("_count", str(self.page_size))]):
            for entry in page.get("entry") or []:
                res = entry.get("resource") if isinstance(entry, dict) else None
                if isinstance(res, dict) and res.get("resourceType") == "Patient" and isinstance(res.get("id"), str):
                    ids.add(res["id"])
        return sorted(ids)

    def read(self, resource_type: str, resource_id: str) -> dict[str, Any] | None:
        key = f"{resource_type}/{resource_id}"
        if key not in self._known:
            body = self._client.get(key, missing_ok=True)
            if body is not None and rf.resource_key(body) != key:
                body = None
            self._known[key] = self._accept(body, self._client.url(key)) if body is not None else None
        return self._known[key]

    def search(self, query: SearchQuery) -> list[dict[str, Any]]:
        where = self._client.url(query.resource_type)
        found: dict[str, dict[str, Any]] = {}
        for page in self._client.pages(query.resource_type, search_params(query, self.page_size)):
            for entry in page.get("entry") or []:
                res = entry.get("resource") if isinstance(entry, dict) else None
                if not isinstance(res, dict):
                    continue
                search = entry.get("search")
                mode = search.get("mode", "match") if isinstance(search, dict) else "match"
                accepted = self._accept(res, where) if mode != "outcome" else None
                if accepted is None:
                    continue
                key = rf.resource_key(accepted)
                if mode == "include" or accepted["resourceType"] != query.resource_type:
                    self._known[key] = accepted
                elif matches(accepted, query):
                    found[key] = accepted
        return in_order(list(found.values()), newest_first=query.newest_first)
