"""The tool-call parser on recorded output shapes of models without tool tokens."""

from __future__ import annotations

import jsonschema
import pytest
from langchain_core.tools import tool

from medcite.agent.models.toolcall import ToolSpec, output_schema, parse_output, tool_specs


@tool
def search_observations(name: str, latest_n: int = 3) -> str:
    """Search the patient's observations by name."""
    return ""


@tool
def get_conditions(status: str = "active") -> str:
    """List the patient's conditions."""
    return ""


SPECS = tool_specs([search_observations, get_conditions])

# (recorded output, expected tool name or None, expected args or answer text)
VALID = [
    (
        '{"tool": "search_observations", "arguments": {"name": "hba1c"}}',
        "search_observations",
        {"name": "hba1c"},
    ),
    (
        '```json\n{"name": "get_conditions", "arguments": {"status": "resolved"}}\n```',
        "get_conditions",
        {"status": "resolved"},
    ),
    (
        '```tool_code\nprint(search_observations(name="potassium", latest_n=2))\n```',
        "search_observations",
        {"name": "potassium", "latest_n": 2},
    ),
    (
        'search_observations(name="blood pressure")',
        "search_observations",
        {"name": "blood pressure"},
    ),
    (
        'I will look that up.\n{"tool": "get_conditions", "arguments": {}}\nThis lists conditions.',
        "get_conditions",
        {},
    ),
    (
        '{"function": {"name": "search_observations", "arguments": "{\\"name\\": \\"ldl\\"}"}}',
        "search_observations",
        {"name": "ldl"},
    ),
    (
        '{"tool_calls": [{"name": "get_conditions", "args": {"status": "active"}}]}',
        "get_conditions",
        {"status": "active"},
    ),
    (
        '{"tool": "search_observations", "arguments": {"name": "hba1c", "latest_n": "5"}}',
        "search_observations",
        {"name": "hba1c", "latest_n": 5},
    ),
    ("search_observations('egfr', 1)", "search_observations", {"name": "egfr", "latest_n": 1}),
]


@pytest.mark.parametrize(("text", "name", "args"), VALID)
def test_valid_shapes_become_tool_calls(text: str, name: str, args: dict[str, object]) -> None:
    result = parse_output(text, SPECS)
    assert result.error is None, result.error
    assert [c.name for c in result.calls] == [name]
    assert result.calls[0].args == args
    assert result.calls[0].id.startswith("call_")


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ('{"answer": "The latest HbA1c was 6.1 %."}', "The latest HbA1c was 6.1 %."),
        (
            "Hypertension is persistently raised blood pressure.",
            "Hypertension is persistently raised blood pressure.",
        ),
    ],
)
def test_answers_are_not_tool_calls(text: str, answer: str) -> None:
    result = parse_output(text, SPECS)
    assert result.ok and not result.calls
    assert result.answer == answer


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"tool": "search_observations", "arguments": {"name": "hba1', "truncated"),
        (
            '{"tool": "search_observations", "arguments": {"latest_n": 2}}',
            "'name' is a required property",
        ),
        (
            '{"tool": "search_observations", "arguments": {"name": "x", "latest_n": "many"}}',
            "latest_n",
        ),
        ('{"tool": "delete_patient", "arguments": {}}', "unknown tool 'delete_patient'"),
        ('```tool_code\nsearch_observations(name="hba1c"\n```', "truncated or malformed"),
        ('{"tool": "get_conditions", "arguments": [1, 2]}', "must be a JSON object"),
        ("get_conditions(status=os.system('rm'))", "literal values"),
        ("", "empty"),
    ],
)
def test_broken_shapes_give_clear_errors(text: str, fragment: str) -> None:
    result = parse_output(text, SPECS)
    assert result.error is not None
    assert fragment in result.error
    assert not result.calls


def test_output_schema_accepts_calls_and_answers_only() -> None:
    schema = output_schema(SPECS, allow_answer=True)
    jsonschema.validate({"tool": "get_conditions", "arguments": {"status": "active"}}, schema)
    jsonschema.validate({"answer": "text"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tool": "get_conditions", "arguments": {"bogus": 1}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"answer": "x"}, output_schema(SPECS, allow_answer=False))


def test_tool_spec_reads_langchain_tool_schema() -> None:
    spec = ToolSpec.from_any(search_observations)
    assert spec.name == "search_observations"
    assert spec.parameters["required"] == ["name"]
    assert spec.parameters["properties"]["latest_n"]["type"] == "integer"
