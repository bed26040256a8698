"""The same tools against a real FHIR server (sekmet-fhir) and the local bundles: identical answers."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from medcite.tools.fhir import (
    FhirServerError,
    FhirSource,
    LocalSource,
    ServerSource,
    facts,
    make_fhir_tools,
    patient_sections,
)
from medcite.tools.fhir.http_client import FhirHttpClient
from medcite.tools.fhir.query import SearchQuery
from tests.fixtures.fhir_server import (
    LoadedFhirServer,
    SekmetServer,
    sekmet_python,
    transaction_keeping_ids,
)
from tests.unit.tools.fhir import sample_record as sample

pytestmark = pytest.mark.slow

AS_OF = date(2024, 1, 1)
TOOL_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get_patient", {}),
    ("list_conditions", {"status": "all"}),
    ("list_medications", {"status": "all"}),
    ("list_allergies", {}),
    ("list_immunizations", {"since": "2015-01-01"}),
    ("list_encounters", {"latest_n": 100}),
    ("list_procedures", {"latest_n": 100}),
    ("search_observations", {"code_or_name": "blood pressure", "latest_n": 50}),
    ("search_observations", {"code_or_name": "hba1c"}),
    ("search_observations", {"code_or_name": "potassium", "since": "2015-01-01", "until": "2020-12-31"}),
    ("search_observations", {"code_or_name": "glomerular"}),
    ("latest_results", {"category": "laboratory"}),
    ("patient_timeline", {"since": "2016-01-01", "until": "2019-12-31", "max_lines": 400}),
]


def _server(loaded: LoadedFhirServer, **options: Any) -> ServerSource:
    return ServerSource(loaded.base_url, token=loaded.token, **options)


def _answers(source: Any, patient_id: str) -> dict[str, str]:
    tools = {t.name: t for t in make_fhir_tools(source, patient_id)}
    return {f"{name} {json.dumps(args)}": tools[name].invoke(args) for name, args in TOOL_CALLS}


def test_server_lists_the_loaded_patients(fhir_server: LoadedFhirServer) -> None:
    server = _server(fhir_server)
    assert set(fhir_server.patient_ids.values()) <= set(server.patient_ids())


def test_tools_answer_identically_on_server_and_local_bundles(fhir_server: LoadedFhirServer) -> None:
    server = _server(fhir_server)
    for bundle, patient_id in fhir_server.patient_ids.items():
        local = LocalSource.from_paths(bundle)
        assert _answers(server, patient_id) == _answers(local, patient_id), bundle.name
        from_server = patient_sections(server, patient_id, AS_OF).model_dump()
        assert from_server == patient_sections(local, patient_id, AS_OF).model_dump(), bundle.name
        assert from_server["active_problems"] or from_server["resolved_problems"]
    assert server.report.complete


def test_small_pages_are_followed_to_the_same_answer(fhir_server: LoadedFhirServer) -> None:
    bundle = min(fhir_server.bundles, key=lambda p: p.stat().st_size)
    patient_id = fhir_server.patient_ids[bundle]
    local = LocalSource.from_paths(bundle)
    server = _server(fhir_server, page_size=4)
    query = SearchQuery(resource_type="Observation", patient=patient_id, newest_first=True)
    expected = [f"Observation/{r['id']}" for r in local.search(query)]
    assert [f"Observation/{r['id']}" for r in server.search(query)] == expected
    assert server.requests_sent == math.ceil(len(expected) / 4) >= 5
    assert facts.latest_results(server, patient_id) == facts.latest_results(local, patient_id)


def test_page_cap_stops_a_long_search_with_a_clear_error(fhir_server: LoadedFhirServer) -> None:
    patient_id = next(iter(fhir_server.patient_ids.values()))
    server = _server(fhir_server, page_size=5, max_pages=2)
    with pytest.raises(FhirServerError, match=r"has more than 2 pages .*MEDCITE_FHIR_MAX_PAGES"):
        server.search(SearchQuery(resource_type="Observation", patient=patient_id))


def test_missing_token_is_refused_with_the_servers_reason(fhir_server: LoadedFhirServer) -> None:
    with pytest.raises(FhirServerError, match=r"answered 401: Authentication required \(check MEDCITE_FHIR_TOKEN\)"):
        ServerSource(fhir_server.base_url).patient_ids()


def test_bad_request_reports_the_operation_outcome(fhir_server: LoadedFhirServer) -> None:
    client = FhirHttpClient(fhir_server.base_url, token=fhir_server.token)
    with pytest.raises(FhirServerError, match="answered 400: Invalid date search value 'geyesterday'"):
        client.get("Observation", [("date", "geyesterday")])
    assert client.requests_sent == 1


def test_reads_return_none_for_missing_resources(fhir_server: LoadedFhirServer) -> None:
    server = _server(fhir_server)
    assert server.read("Observation", "does-not-exist") is None
    patient_id = next(iter(fhir_server.patient_ids.values()))
    assert server.read("Patient", patient_id)["id"] == patient_id  # type: ignore[index]


def test_medication_references_and_reasons_resolve_on_the_server(sekmet_server: SekmetServer, tmp_path: Path) -> None:
    """The hand-written record uses medicationReference (fetched with _include) and reasonReference
    (read back); both sources must render them the same."""
    sekmet_server.post_bundle(transaction_keeping_ids(sample.bundle()))
    local = LocalSource.from_paths(sample.write(tmp_path / "record.json", sample.bundle()))
    server = ServerSource(sekmet_server.base_url, token=sekmet_server.token)
    assert isinstance(server, FhirSource) and isinstance(local, FhirSource)
    answers = _answers(server, sample.PID)
    assert answers == _answers(local, sample.PID)
    medications = answers['list_medications {"status": "all"}']
    assert "Metformin 500 MG (RxNorm 860975): active; dose 1 tablet, 2 times per 1 d; reason Diabetes" in medications


def test_missing_server_python_fails_with_instructions(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEDCITE_FHIR_SERVER_PYTHON", str(tmp_path / "nowhere" / "python"))
    with pytest.raises(pytest.fail.Exception, match=r"pip install sekmet-fhir==0\.1\.1"):
        sekmet_python()


def _without_keys(lines: list[str]) -> list[str]:
    """Lines with every citation key (leading, and inline ones for earlier values) taken out."""
    return sorted(re.sub(r"\s*\[[A-Za-z]+/[^\]]+\]", "", line).strip() for line in lines)


def test_bundle_posted_as_is_gets_server_ids_and_the_same_facts(
    fhir_server: LoadedFhirServer, synthea_bundles: list[Path]
) -> None:
    """A plain POST of a Synthea transaction: the server assigns new ids and rewrites the urn:uuid
    references; the facts read back differ from the file only in their citation keys."""
    bundle = min(synthea_bundles, key=lambda p: p.stat().st_size)
    response = fhir_server.server.post_bundle(json.loads(bundle.read_text()))
    new_id = response["entry"][0]["resource"]["id"]
    local = LocalSource.from_paths(bundle)
    (old_id,) = local.patient_ids()
    assert new_id != old_id
    server = _server(fhir_server)
    for name, args in TOOL_CALLS[1:]:
        from_server = make_fhir_tools(server, new_id)
        from_file = make_fhir_tools(local, old_id)
        tool_s = next(t for t in from_server if t.name == name)
        tool_l = next(t for t in from_file if t.name == name)
        assert _without_keys(tool_s.invoke(args).splitlines()) == _without_keys(tool_l.invoke(args).splitlines()), name
