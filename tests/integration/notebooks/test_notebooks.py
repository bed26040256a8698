"""notebooks/chat.ipynb and notebooks/summarize_bundle.ipynb executed headless (nbclient) with the embedded
default model, in their fast mode (MEDCITE_NOTEBOOK_FAST=1: no guideline retrieval, short replies)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from fhir.resources.R4B.bundle import Bundle
from nbclient import NotebookClient
from nbformat import NotebookNode

from medcite.agent.answer import Answer
from medcite.core.disclaimer import DISCLAIMER
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

NOTEBOOKS = PROJECT_ROOT / "notebooks"
EXAMPLE = PROJECT_ROOT / "examples" / "synthea" / "Patria_Schimmel_d2f8f862-3856-490d-b56f-98e0ed984b1e.json"
CELL_TIMEOUT_S = 900
NODES = ["gather", "reason", "draft", "verify", "flag", "finalize"]
ANSWER_TITLES = (
    "<b>Model answer",
    "<b>Answer rendered from the record",
    "<b>The record holds no answer",
    "<b>No answer",
)
ORIGIN_TAG = r"<small>(model-written, verified|from the record)</small>"
CLICK_ASK = 'question_box.value = "Which medications are active?"\nask_button.click()'


@pytest.fixture
def notebook_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fast mode, offline hub, the default model and a data dir of this test's own (the kernel inherits it)."""
    monkeypatch.setenv("MEDCITE_NOTEBOOK_FAST", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("MEDCITE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEDCITE_NOTEBOOK_OUT", str(tmp_path / "out"))
    for name in ("MEDCITE_MODEL", "MEDCITE_NOTEBOOK_BUNDLE", "MEDCITE_NOTEBOOK_FHIR_URL", "MEDCITE_NOTEBOOK_PATIENT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def execute(name: str, *extra_cells: str) -> NotebookNode:
    """Run the notebook (plus ``extra_cells`` at its end) in a python3 kernel with notebooks/ as cwd."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{name} is committed with outputs"
    nb.cells += [nbformat.v4.new_code_cell(code) for code in extra_cells]
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    # No front-end mimic of ipywidgets Output widgets: it sends comm messages on the shell channel while nbclient
    # polls it, which can stall a cell until its timeout (jupyter/nbclient#312). Without it, what a callback
    # writes into an Output widget lands in the running cell's own outputs.
    client.widget_registry = {}
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, "\n".join(f"{e.ename}: {e.evalue}" for e in errors)
    return nb


def outputs_of(cell: NotebookNode, mime: str) -> list[str]:
    """The cell's ``mime`` display outputs, or its printed text for ``mime='stream'``."""
    if mime == "stream":
        return [o.text for o in cell.outputs if o.output_type == "stream"]
    return [o.data[mime] for o in cell.outputs if mime in o.get("data", {})]


def cell_with(nb: NotebookNode, code: str) -> NotebookNode:
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and code in c.source]
    return cell


def ran_nodes(html: list[str]) -> list[str]:
    """The graph nodes (of NODES) named by the progress lines, in order."""
    ran = [m.group(1) for h in html if (m := re.match(r"✓ <b>(\w+)</b>", h))]
    return [n for n in ran if n in NODES]


def active_ids(bundle: dict[str, Any], resource_type: str) -> set[str]:
    out = set()
    for entry in bundle["entry"]:
        res = entry["resource"]
        if res["resourceType"] != resource_type:
            continue
        status = res["clinicalStatus"]["coding"][0]["code"] if resource_type == "Condition" else res["status"]
        if status == "active":
            out.add(res["id"])
    return out


def test_chat_notebook_streams_nodes_and_shows_a_cited_answer_with_sources(notebook_env: Path) -> None:
    nb = execute("chat.ipynb", CLICK_ASK)

    ui = cell_with(nb, "ask_button.on_click(on_ask)")
    assert outputs_of(ui, "application/vnd.jupyter.widget-view+json"), "the chat UI was not displayed"
    clicked = cell_with(nb, CLICK_ASK)  # the Ask button's callback: progress lines, then the transcript
    assert not outputs_of(clicked, "stream"), outputs_of(clicked, "stream")  # it reports failures by printing
    assert ran_nodes(outputs_of(clicked, "text/html")) == NODES
    transcript = "\n".join(outputs_of(clicked, "text/markdown"))
    assert "**You:** Which medications are active?" in transcript
    (reply,) = [h for h in outputs_of(clicked, "text/html") if h.startswith(ANSWER_TITLES)]
    assert "[MedicationRequest/" in reply and re.search(ORIGIN_TAG, reply)  # each sentence tagged with its origin
    assert any(h.startswith("<b>Sources") and "<details><summary>" in h for h in outputs_of(clicked, "text/html"))

    example = cell_with(nb, 'answer = run_question("What is the latest blood pressure?"')
    html = outputs_of(example, "text/html")
    assert ran_nodes(html) == NODES  # one line per node, in graph order
    markdown = "\n".join(outputs_of(example, "text/markdown"))
    (reply,) = [h for h in html if h.startswith(ANSWER_TITLES)]
    assert "Blood Pressure" in reply and "[Observation/" in reply
    if reply.startswith("<b>Answer rendered from the record"):  # the tiny model's draft did not verify
        assert re.findall(ORIGIN_TAG, reply) == ["from the record"]
    sources = next(h for h in html if h.startswith("<b>Sources"))
    cited = set(re.findall(r"\[((?:Observation|Condition|Patient|MedicationRequest)/[\w.-]+)\]", reply))
    assert cited, reply
    for key in cited:  # every key in the answer is an expandable source carrying its evidence line
        assert re.search(rf"<details><summary><code>\[{re.escape(key)}\]</code>.*?\[{re.escape(key)}\]", sources)
    assert DISCLAIMER in markdown

    (printed,) = outputs_of(example, "stream")
    trace_id = re.search(r"answer trace ([0-9a-f]{16}):", printed)
    assert trace_id, printed
    assert f"trace {trace_id.group(1)}" in markdown
    audit = notebook_env / "data" / "runs" / f"{trace_id.group(1)}.jsonl"
    events = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [e["node"] for e in events if e["event"] == "node_end" and e["node"] in NODES] == NODES

    (table,) = outputs_of(cell_with(nb, "audit = settings.audit_dir"), "text/markdown")
    assert str(audit.name) in table and "| node_end | draft |" in table and "| model_call |" in table


def test_summarize_notebook_renders_cited_sections_flags_and_fhir(notebook_env: Path) -> None:
    nb = execute("summarize_bundle.ipynb")
    bundle = json.loads(EXAMPLE.read_text())

    (summary,) = outputs_of(cell_with(nb, "summary = bot.summarize()"), "text/markdown")
    assert "### Active problems" in summary and DISCLAIMER in summary
    for rtype in ("Condition", "MedicationRequest"):
        for rid in active_ids(bundle, rtype):  # every active problem and medication, cited by its key
            assert f"[{rtype}/{rid}]" in summary

    (flags,) = outputs_of(cell_with(nb, "flag_rows = "), "text/markdown")
    assert flags.startswith("| kind | reason | keys |") or flags == "No flags."

    composition_cell = cell_with(nb, "fhir_bundle = summary_bundle(summary)")
    (sections,) = outputs_of(composition_cell, "text/markdown")
    assert f"| Active problems | {len(active_ids(bundle, 'Condition'))} |" in sections
    assert "| Synopsis (model-written, verified) |" in sections and "| Uncertainty flags |" in sections
    assert "Provenance agent: medcite" in "".join(outputs_of(composition_cell, "stream"))

    (patient,) = [e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    out = notebook_env / "out"
    answer = Answer.model_validate_json((out / f"summary-{patient}.json").read_text())
    assert f"trace {answer.trace_id}" in summary and answer.patient_id == patient
    assert (out / f"summary-{patient}.md").read_text().startswith(answer.text.splitlines()[0])
    fhir = Bundle.model_validate_json((out / f"summary-{patient}.fhir.json").read_text())
    composition = fhir.entry[0].resource
    assert composition.subject.reference == f"Patient/{patient}"
