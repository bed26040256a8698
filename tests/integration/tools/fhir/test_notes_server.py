"""Clinical notes from a real FHIR server (sekmet-fhir) read the same as from the bundle files: DocumentReference
search by patient, paging, Binary reads; the same sections, summary, tools and note search answers."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from medcite.core.evidence import NoteFact
from medcite.tools.fhir import LocalSource, ServerSource, facts, make_fhir_tools, patient_sections
from medcite.tools.fhir.source import FhirSource
from medcite.tools.notes import make_note_tools
from medcite.tools.retrieval.embedding import GuidelineEmbedder
from tests.fixtures.fhir_server import SekmetServer, transaction_keeping_ids

pytestmark = pytest.mark.slow

AS_OF = date(2025, 8, 1)
BINARY_BUNDLE = "new_york__80ca3294-65fd-8fa6-779a-0ca77297ba87.json"


def _references(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node
        for value in node.values():
            yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def without_conditional_references(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle with conditional references (``Practitioner?identifier=...``, which this server resolves
    against its own data and rejects when nothing matches) reduced to their display, as every reader shows them."""
    out = copy.deepcopy(bundle)
    for entry in out["entry"]:
        for ref in _references(entry["resource"]):
            if "?" in ref["reference"]:
                del ref["reference"]
    return out


def with_binary_notes(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle with every DocumentReference's text moved to a Binary it links to by url."""
    out = copy.deepcopy(bundle)
    binaries = []
    for entry in out["entry"]:
        res = entry["resource"]
        if res["resourceType"] != "DocumentReference":
            continue
        for n, content in enumerate(res["content"]):
            attachment = content["attachment"]
            binary_id = f"{res['id'][:30]}-text-{n}"
            binaries.append(
                {"resourceType": "Binary", "id": binary_id, "contentType": "text/plain", "data": attachment.pop("data")}
            )
            attachment["url"] = f"Binary/{binary_id}"
    out["entry"] += [
        {"fullUrl": f"urn:uuid:{b['id']}", "resource": b, "request": {"method": "POST", "url": "Binary"}}
        for b in binaries
    ]
    return out


@pytest.fixture(scope="module")
def loaded(
    sekmet_server: SekmetServer, notes_bundles: list[Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """The notes bundles on the server (the Binary variant for one of them); patient id -> the same data as a file."""
    folder = tmp_path_factory.mktemp("notes-bundles")
    files = {}
    for path in notes_bundles:
        bundle = json.loads(path.read_text())
        if path.name == BINARY_BUNDLE:
            bundle = with_binary_notes(bundle)
            path = folder / path.name
            path.write_text(json.dumps(bundle))
        sekmet_server.post_bundle(transaction_keeping_ids(without_conditional_references(bundle)))
        patient = next(e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
        files[patient] = path
    return files


def _server(sekmet: SekmetServer, **options: Any) -> ServerSource:
    return ServerSource(sekmet.base_url, token=sekmet.token, **options)


def _answers(source: FhirSource, patient_id: str) -> dict[str, Any]:
    tools = {t.name: t for t in make_fhir_tools(source, patient_id)}
    return {
        "notes": [e.model_dump() for e in facts.notes(source, patient_id)],
        "sections": patient_sections(source, patient_id, AS_OF).model_dump(),
        "latest": tools["read_notes"].invoke({"latest_n": 2}),
        "window": tools["read_notes"].invoke({"since": "2020-01-01", "until": "2023-12-31", "latest_n": 20}),
    }


def test_notes_and_summaries_are_the_same_from_the_server(sekmet_server: SekmetServer, loaded: dict[str, Path]) -> None:
    server = _server(sekmet_server)
    for patient_id, path in loaded.items():
        from_server = _answers(server, patient_id)
        assert from_server == _answers(LocalSource.from_paths(path), patient_id), path.name
        assert from_server["notes"] and "DocumentReference/" in from_server["latest"]
    assert server.report.complete


def test_notes_linked_to_binaries_are_read_from_the_server(
    sekmet_server: SekmetServer, loaded: dict[str, Path]
) -> None:
    patient_id = next(pid for pid, path in loaded.items() if path.name == BINARY_BUNDLE)
    server = _server(sekmet_server)
    before = server.requests_sent
    found = facts.notes(server, patient_id)
    notes = {e.key.split("#")[0] for e in found}
    assert len(notes) == 11 and all(isinstance(e.fact, NoteFact) and e.fact.unread is None for e in found)
    assert server.requests_sent - before >= 2 + len(notes)  # the two searches and one Binary read per note


def test_small_pages_are_followed_to_the_same_notes(sekmet_server: SekmetServer, loaded: dict[str, Path]) -> None:
    patient_id, path = max(loaded.items(), key=lambda item: item[1].stat().st_size)
    paged = _server(sekmet_server, page_size=3)
    found = facts.notes(paged, patient_id)
    assert [e.model_dump() for e in found] == [
        e.model_dump() for e in facts.notes(LocalSource.from_paths(path), patient_id)
    ]
    assert paged.requests_sent >= 2 * 20 // 3


def test_note_search_answers_the_same_from_the_server(
    sekmet_server: SekmetServer, loaded: dict[str, Path], guideline_embedder: GuidelineEmbedder
) -> None:
    server = _server(sekmet_server)
    queries = [{"query": "chief complaint"}, {"query": "prescribed medications", "since": "2022-01-01"}]
    for patient_id, path in list(loaded.items())[:4]:
        local = make_note_tools(LocalSource.from_paths(path), patient_id, lambda: guideline_embedder)[0]
        remote = make_note_tools(server, patient_id, lambda: guideline_embedder)[0]
        for args in queries:
            assert remote.invoke(args) == local.invoke(args), (path.name, args)
