"""Record, document and model text never renders active: markup payloads planted in every text field the
renderer shows come out escaped in ``medcite summarize`` (md, json, fhir), ``medcite ask`` (Markdown and
JSON) and the notebook views, with invisible and direction-changing characters removed.

Each output is rendered the way a person opens it (Markdown through markdown-it with HTML and linkify on,
the FHIR narrative as XHTML, the notebook HTML as HTML) and checked for any element or attribute medcite's
own templates do not produce (``tests/fixtures/injection.py``). Each planted field is also checked to be
shown (its escaped text is visible), so a field that was simply left out cannot pass.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from medcite.agent.answer import Answer
from medcite.agent.assistant import Assistant
from medcite.agent.safety import is_instruction_like
from medcite.agent.verify import verify_draft
from medcite.cli import main
from medcite.core.settings import Settings
from medcite.corpora.ingest import ingest_paths
from medcite.tools.retrieval import GuidelineRetriever, GuidelineStore
from medcite.tools.retrieval.embedding import GuidelineEmbedder
from tests.conftest import SYNTHEA_DIR
from tests.fakes import ObedientScriptedChatModel
from tests.fixtures.injection import Outputs, load_cases, markdown_html, set_path, visible_text

CASES = load_cases()
# Long and short payloads (some fields are clipped at 60-100 characters); none is instruction-like, so the
# escaping, not the neutralisation, is what is tested. Each carries a word that proves it was shown.
LONG = "\u202eevil\u202c<script>alert(1)</script>![i](https://evil.example/i.png)<img src=https://evil.example/p.gif>"
SHORT = "\u200bshort<img src=https://evil.example/q.gif>www.evil.example"
FIELDS: dict[str, tuple[str, dict[str, Any]]] = {
    # field: (resource alias, path -> template); each template has a word of its own that proves it was shown
    "Patient.name": ("patient", {"name.0.given": ["Edward qname {payload}"]}),
    "Condition.code": ("hypertension", {"code.text": "Hypertension qcond {payload}"}),
    "MedicationRequest.medication": ("hctz", {"medicationCodeableConcept.text": "HCTZ qmed {payload}"}),
    "MedicationRequest.dosage": ("hctz", {"dosageInstruction": [{"text": "qdose {payload}"}]}),
    "MedicationRequest.reason": ("hctz", {"reasonCode": [{"text": "qwhy {short}"}]}),
    "AllergyIntolerance.code": ("peanut_allergy", {"code.text": "Peanut qallergy {payload}"}),
    "AllergyIntolerance.reaction": ("peanut_allergy", {"reaction.0.manifestation.0.text": "qreact {short}"}),
    "Procedure.code": ("suture", {"code.text": "Suture qproc {payload}"}),
    "Procedure.reason": ("suture", {"reasonReference.0.display": "qpreason {short}"}),
    "Encounter.type": ("er_visit", {"type.0.text": "ER qenc {payload}"}),
    "Encounter.reason": ("sinusitis_visit", {"reasonCode.0.text": "qereason {short}"}),
    "Immunization.vaccineCode": ("flu_vaccine", {"vaccineCode.text": "Flu qvacc {payload}"}),
    "Observation.valueString": ("smoking_status", {"valueString": "qvalue {payload}"}),
}
WORDS = {field: re.findall(r"\bq[a-z]+\b", json.dumps(paths))[0] for field, (_, paths) in FIELDS.items()}


def test_payloads_are_data_not_instructions() -> None:
    assert not is_instruction_like(LONG) and not is_instruction_like(SHORT)


def planted_bundle(folder: Path) -> Path:
    """The case bundle with a markup payload in every text field the renderer shows."""
    bundle = json.loads((SYNTHEA_DIR / CASES.bundle).read_text())
    bundle["entry"] += [{"fullUrl": f"urn:uuid:{r['id']}", "resource": json.loads(json.dumps(r))} for r in CASES.added]
    for alias, paths in FIELDS.values():
        rtype, rid = CASES.resources[alias].split("/")
        resources = (e["resource"] for e in bundle["entry"])
        (resource,) = [r for r in resources if (r["resourceType"], r["id"]) == (rtype, rid)]
        resource.pop("valueCodeableConcept", None)  # a valueString replaces it
        for path, template in paths.items():
            filled = json.loads(json.dumps(template).replace("{short}", json.dumps(SHORT)[1:-1]))
            set_path(resource, path, filled, LONG)
    path = folder / "planted.json"
    path.write_text(json.dumps(bundle))
    return path


def assert_inert(outputs: Outputs, *shown: str) -> None:
    assert outputs.active_markup(links=set()) == []
    visible = outputs.visible()
    for word in shown:
        assert word in visible, word
    rendered = markdown_html(outputs.markdown)
    assert "evil.example" not in rendered.replace("evil(.)example", "")  # defanged: no linkifier sees it
    assert "<script" not in rendered and "<img" not in rendered


def _bot(folder: Path, model: Any, retriever: GuidelineRetriever | None = None) -> Assistant:
    settings = Settings.from_env(data_dir=folder, max_steps=1)
    return Assistant(
        source=planted_bundle(folder), settings=settings, model=model, retriever=retriever or False,
        checkpointer=InMemorySaver(),
    )


def test_summary_renders_every_planted_field_inert(tmp_path: Path) -> None:
    summary = _bot(tmp_path, ObedientScriptedChatModel()).summarize()
    outputs = Outputs.of(summary)
    assert_inert(outputs, "alert(1)", "short", "Edward qname evil")
    lines = "\n".join(line for s in summary.sections for line in s.lines)
    shown = [field for field, word in WORDS.items() if word in lines]
    # Reasons of encounters and procedures are shown where those lines are (ask), not in every summary.
    assert set(FIELDS) - set(shown) <= {"Procedure.reason", "Encounter.reason"}, shown
    assert not [f for f in summary.flags if f.kind == "source_issue"], summary.flags  # every planted resource loaded
    assert "\u202e" not in outputs.json and "\u200b" not in outputs.json


@pytest.mark.parametrize(
    "question",
    ["What is the dose of his medication?", "What allergic reaction does he have?", "List his recent encounters."],
)
def test_answers_render_planted_fields_inert(tmp_path: Path, question: str) -> None:
    answer = _bot(tmp_path, ObedientScriptedChatModel()).ask(question)
    assert_inert(Outputs.of(answer))


def test_model_sentences_with_markup_render_inert_even_when_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With verify's markup check off, the model's copies of the planted lines are kept; rendering alone
    must still make them inert."""
    monkeypatch.setattr("medcite.agent.verify._markup", lambda: ())
    answer = _bot(tmp_path, ObedientScriptedChatModel()).ask("What is the dose of his medication?")
    kept = " ".join(c.sentence for c in answer.checks if c.kept)
    assert "<script>" in kept or "<img" in kept, kept  # the model's text does hold markup
    assert_inert(Outputs.of(answer), "alert(1)")
    monkeypatch.undo()
    _, checks = verify_draft(kept, {})
    assert "unsafe_markup" in {c.status for c in checks}  # and verify removes it when the check is on


@pytest.fixture
def planted_guidelines(tmp_path: Path, guideline_embedder: GuidelineEmbedder) -> GuidelineRetriever:
    """A user document whose title and passage carry the payload (and whose metadata URL is the attacker's)."""
    doc = tmp_path / "docs" / "htn.md"
    doc.parent.mkdir()
    doc.write_text(
        f"---\ntitle: {json.dumps('Hypertension ' + LONG)}\nissuer: {json.dumps('Society ' + SHORT)}\n"
        "date: 2024-03-01\nurl: https://evil.example/doc\n---\n# Hypertension\n\n## Screening\n\n"
        f"Screen adults for hypertension with office blood pressure measurement. {LONG}\n"
    )
    settings = Settings(data_dir=tmp_path / "store")
    store = GuidelineStore(settings, guideline_embedder)
    assert ingest_paths(store, [doc]).ok
    return GuidelineRetriever(store, settings)


def test_guideline_titles_passages_and_urls_render_inert(
    tmp_path: Path, planted_guidelines: GuidelineRetriever
) -> None:
    bot = _bot(tmp_path, ObedientScriptedChatModel(), planted_guidelines)
    summary = bot.summarize()
    answer = bot.ask("Should adults be screened for hypertension?")
    assert [c for c in summary.citations if c.source == "guideline"]
    for result, shown in ((summary, ["alert(1)", "Society short"]), (answer, [])):
        assert all(c.link is None for c in result.citations)  # a user document's URL is never a link
        assert_inert(Outputs.of(result), *shown)
        assert "evil.example/doc" not in Outputs.of(result).notebook_html.split("not checked")[0]


def test_cli_summarize_and_ask_write_inert_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("medcite.agent.assistant.load_chat_model", lambda settings: ObedientScriptedChatModel())
    monkeypatch.setenv("MEDCITE_DATA_DIR", str(tmp_path / "data"))
    bundle = planted_bundle(tmp_path)
    out = tmp_path / "out"
    assert main(["summarize", str(bundle), "--out", str(out), "--no-guidelines"]) == 0
    summary = Answer.model_validate_json((out / "summary.json").read_text())
    files = Outputs.of(summary)
    files.markdown, files.json, files.fhir = [(out / f"summary.{s}").read_text() for s in ("md", "json", "fhir.json")]
    assert_inert(files, "alert(1)", "short")
    capsys.readouterr()
    ask = ["ask", "What is the dose of his medication?", "--bundle", str(bundle), "--no-guidelines"]
    assert main(ask) == 0
    printed = capsys.readouterr().out
    assert main([*ask, "--json"]) == 0
    answer = Answer.model_validate_json(capsys.readouterr().out)
    outputs = Outputs.of(answer)
    outputs.markdown = printed
    assert_inert(outputs)


def test_the_measured_payload_is_escaped_everywhere(tmp_path: Path) -> None:
    """The report's measured example: a Patient name with a bidi override and a script element."""
    summary = _bot(tmp_path, ObedientScriptedChatModel()).summarize()
    md = Outputs.of(summary).markdown
    assert "\u202e" not in md and "\u202c" not in md
    assert "Edward qname evil\\<script>alert(1)\\</script>" in md
    assert "<script" not in markdown_html(md) and "alert(1)" in visible_text(markdown_html(md))
