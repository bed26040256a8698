"""Conversation memory is scoped to one patient of one source, against the real FHIR server (sekmet-fhir):
two patients on one server, SQLite conversations as the CLI keeps them. The named scripted model records
every prompt; the point is what reaches it, not what it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medcite.agent.assistant import Assistant
from medcite.core.errors import InputError
from medcite.core.settings import Settings
from medcite.tools.fhir import ServerSource
from tests.conftest import SYNTHEA_DIR
from tests.fakes import FakeScriptedChatModel
from tests.fixtures.fhir_server import LoadedFhirServer

pytestmark = pytest.mark.slow

EDWARD = SYNTHEA_DIR / "Edward_Gulgowski_43481611-2459-44f5-ab20-4b142dac160f.json"
PATRIA = SYNTHEA_DIR / "Patria_Schimmel_d2f8f862-3856-490d-b56f-98e0ed984b1e.json"
REPLY = "This is not found in the record."


def _markers(bundle: Path) -> set[str]:
    """What only this patient's prompts may hold: the names, birth date and city (the demographics line),
    and the ids of the patient's own resources (shared Organization/Practitioner entries left aside; prompts
    show short handles in place of keys, so an id there would be a leak of another kind)."""
    resources = [e["resource"] for e in json.loads(bundle.read_text())["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    own = {r["id"] for r in resources if r is not patient and patient["id"] in json.dumps(r)}  # refer to them
    name = patient["name"][0]
    shown = {name["family"], *name["given"], patient["birthDate"], patient["address"][0]["city"]}
    return {*shown, patient["id"], *own}


def _prompts(model: FakeScriptedChatModel, since: int = 0) -> str:
    return "\n".join(turn["content"] for chat, _ in model.requests[since:] for turn in chat)


def test_memory_never_crosses_patients_on_one_server(fhir_server: LoadedFhirServer, tmp_path: Path) -> None:
    settings = Settings.from_env(data_dir=tmp_path / "data", max_steps=0)
    model = FakeScriptedChatModel(outputs=[REPLY] * 6)

    def assistant(bundle: Path) -> Assistant:
        source = ServerSource(fhir_server.base_url, token=fhir_server.token)
        return Assistant(
            source=source, patient_id=fhir_server.patient_ids[bundle], model=model, retriever=False, settings=settings
        )

    edward, patria = assistant(EDWARD), assistant(PATRIA)
    assert edward.default_thread != patria.default_thread
    his, hers = _markers(EDWARD), _markers(PATRIA)

    edward.ask("What conditions does he have?")
    assert len([m for m in his if m in _prompts(model)]) > 3  # his record reached his prompts
    assert [m for m in hers if m in _prompts(model)] == []
    first = len(model.requests)
    patria.ask("What conditions does she have?")
    patria.ask("Which medications does she take?")
    for_her = _prompts(model, first)
    assert [m for m in his if m in for_her] == []
    assert "What conditions does she have?" in for_her and "What conditions does he have?" not in for_her
    assert "Schimmel" in for_her

    before = len(model.requests)
    edward.ask("And since when?")  # his own conversation goes on, from the SQLite store
    assert "What conditions does he have?" in _prompts(model, before)
    assert [m for m in hers if m in _prompts(model, before)] == []

    edward.ask("Any allergies?", thread_id="named-by-the-user")
    asked = len(model.requests)
    for thread in (edward.default_thread, "named-by-the-user"):  # a thread of his, refused for her
        with pytest.raises(InputError, match="belongs to another patient or source"):
            patria.ask("And since when?", thread_id=thread)
        with pytest.raises(InputError, match="belongs to another patient or source"):
            next(patria.stream("And since when?", thread_id=thread))
    assert len(model.requests) == asked  # refused before any prompt was built
