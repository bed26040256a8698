"""The LangChain patient tools: typed schemas, citable text, Evidence artifacts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ValidationError

from medcite.core.errors import InputError
from medcite.core.evidence import AbsenceFact, AllergyFact, Evidence
from medcite.tools.fhir import LocalSource, make_fhir_tools
from tests.unit.tools.fhir import sample_record as sample

EXPECTED = [
    "get_patient",
    "list_conditions",
    "list_medications",
    "list_allergies",
    "list_immunizations",
    "list_encounters",
    "list_procedures",
    "search_observations",
    "latest_results",
    "patient_timeline",
    "read_notes",
]


@pytest.fixture()
def tools(tmp_path: Path) -> dict[str, BaseTool]:
    source = LocalSource.from_paths(sample.write(tmp_path / "record.json", sample.bundle()))
    return {t.name: t for t in make_fhir_tools(source, "p1")}


def _schema(tool: BaseTool) -> dict[str, Any]:
    model = tool.get_input_schema()
    assert issubclass(model, BaseModel)
    return model.model_json_schema()


def test_tools_have_typed_schemas(tools: dict[str, BaseTool]) -> None:
    assert list(tools) == EXPECTED
    schema = _schema(tools["search_observations"])
    assert schema["required"] == ["code_or_name"]
    assert schema["properties"]["latest_n"]["maximum"] == 50
    assert schema["properties"]["since"]["anyOf"][0]["format"] == "date"
    statuses = _schema(tools["list_conditions"])["properties"]["status"]
    assert statuses["enum"] == ["active", "resolved", "all"]
    assert all(t.description for t in tools.values())


def test_tools_answer_with_citable_lines(tools: dict[str, BaseTool]) -> None:
    text = tools["search_observations"].invoke({"code_or_name": "hba1c", "latest_n": 2})
    lines = text.splitlines()
    assert lines[0].startswith("[Observation/o3] 2021-06-02 Hemoglobin A1c (LOINC 4548-4): 6.4 %")
    assert lines[1].startswith("[Observation/o2] 2020-01-10") and len(lines) == 2
    assert tools["list_medications"].invoke({"status": "stopped"}).startswith("[MedicationRequest/mr2] ")
    assert tools["list_conditions"].invoke({"status": "all"}).count("\n") == 1
    assert tools["search_observations"].invoke({"code_or_name": "troponin"}).startswith(
        "[none:observations-troponin] none recorded: no Troponin results in the record (searched Observation, "
        "http://loinc.org|6598-7"
    )
    windowed = tools["list_procedures"].invoke({"since": "2030-01-01"})
    assert windowed == (
        "[none:procedures-since-2030-01-01] none recorded: no procedures from 2030-01-01 in the record "
        "(searched Procedure from 2030-01-01)"
    )
    window = tools["patient_timeline"].invoke({"since": "2020-01-01", "until": "2020-12-31", "max_lines": 2})
    assert window.splitlines()[-1] == "note: 3 more lines in this window; narrow the dates to see them"


def test_tool_calls_carry_evidence_artifacts(tools: dict[str, BaseTool]) -> None:
    call = {"type": "tool_call", "id": "call-1", "name": "list_allergies", "args": {}}
    message = tools["list_allergies"].invoke(call)
    assert isinstance(message, ToolMessage)
    (evidence,) = message.artifact
    assert isinstance(evidence, Evidence) and evidence.key == "AllergyIntolerance/a1"
    assert message.content == evidence.text
    assert isinstance(evidence.fact, AllergyFact) and evidence.fact.criticality == "high"


def test_a_search_that_finds_nothing_is_citable(tools: dict[str, BaseTool]) -> None:
    args = {"code_or_name": "A1c", "since": "2030-01-01"}
    call = {"type": "tool_call", "id": "call-2", "name": "search_observations", "args": args}
    message = tools["search_observations"].invoke(call)
    assert isinstance(message, ToolMessage)
    (evidence,) = message.artifact
    assert message.content == evidence.text
    assert evidence.key == "none:observations-hba1c-since-2030-01-01"
    assert isinstance(evidence.fact, AbsenceFact) and evidence.fact.resource_type == "Observation"
    assert "http://loinc.org|4548-4" in evidence.fact.searched


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("search_observations", {"code_or_name": ""}),
        ("search_observations", {"code_or_name": "k", "latest_n": 0}),
        ("list_encounters", {"since": "2021-01-01", "until": "2020-01-01"}),
        ("list_conditions", {"status": "cured"}),
    ],
)
def test_bad_arguments_are_refused(tools: dict[str, BaseTool], name: str, args: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        tools[name].invoke(args)


def test_tools_need_a_known_patient(tmp_path: Path) -> None:
    source = LocalSource.from_paths(sample.write(tmp_path / "record.json", sample.bundle()))
    with pytest.raises(InputError, match="Patient/p2 is not in"):
        make_fhir_tools(source, "p2")
