"""``summarize`` on the Synthea bundles (and two with clinical notes), offline, with the default corpus.

Every bundle runs the real graph, sources and retrieval with a scripted model that writes nothing (the
model's part is a no-op there): the record-rendered sections are checked against the raw bundle JSON (read
here independently of tools.fhir) — every citation resolves (a note section to a section of its note),
facts-section values equal the source values, every active condition and medication appears (disorders among
the problems, findings apart) — and the synopsis prompt is checked with the embedded model's tokenizer and chat
template: within 1,500 tokens, and holding every problem-linked result the record has. A few bundles (the
demo's, the most problems, none) run the same checks with the default model writing the synopsis.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from benchmarks.tokens import _vocab, chat_prompt_tokens, count_tokens
from medcite.agent.answer import Answer
from medcite.agent.assistant import Assistant
from medcite.agent.evidence_block import PROMPT_TOKENS_PER_8K
from medcite.agent.models import PromptedToolChatModel
from medcite.agent.output import render
from medcite.agent.problem_links import is_result_of, linked_result_names, links_of
from medcite.core.evidence import ObservationFact
from medcite.core.settings import Settings
from medcite.evals.fhir.raw_bundle import read_bundle
from medcite.evals.fhir.raw_notes import raw_notes
from medcite.tools.fhir import open_source, patient_sections
from medcite.tools.retrieval import GuidelineRetriever
from tests.conftest import NOTES_DIR, SYNTHEA_DIR
from tests.fakes import FakeScriptedChatModel

BUNDLES = sorted(SYNTHEA_DIR.glob("*.json")) + sorted(NOTES_DIR.glob("*.json"))[:2]
MODEL_BUNDLES = [b for b in BUNDLES if b.name.startswith(("Patria_Schimmel", "Louis_Maggio", "Bruno_Bernhard"))]
FINDING = re.compile(r"\((?:finding|situation)\)$")
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")


def raw_resources(path: Path) -> dict[str, dict[str, Any]]:
    bundle = json.loads(path.read_text())
    return {f"{e['resource']['resourceType']}/{e['resource']['id']}": e["resource"] for e in bundle["entry"]}


@cache
def corpus_ids() -> frozenset[str]:
    corpus = Path(__file__).resolve().parents[3] / "corpora" / "data" / "default_guidelines.jsonl.gz"
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        return frozenset(json.loads(line)["id"] for line in f)


def sig4(value: float) -> float:
    """As lines show numbers: 4 significant digits, whole numbers from 1000 up (an income of 134940 stays 134940)."""
    return float(round(value)) if abs(value) >= 1000 else float(f"{value:.4g}")


def numbers(text: str) -> set[float]:
    return {float(n) for n in NUMBER.findall(text)}


def source_values(resource: dict[str, Any]) -> list[float]:
    """The numbers a facts line must state for an Observation: its value or each component's value."""
    quantities = [resource.get("valueQuantity")] + [c.get("valueQuantity") for c in resource.get("component", [])]
    return [sig4(q["value"]) for q in quantities if q and "value" in q]


def is_active_condition(r: dict[str, Any]) -> bool:
    codes = [c.get("code") for c in (r.get("clinicalStatus") or {}).get("coding", [])]
    return r["resourceType"] == "Condition" and "active" in codes and "abatementDateTime" not in r


def clinical_status(r: dict[str, Any]) -> str | None:
    return next((c.get("code") for c in (r.get("clinicalStatus") or {}).get("coding", [])), None)


def is_finding(r: dict[str, Any]) -> bool:
    return r["resourceType"] == "Condition" and any(FINDING.search(c.get("display", "")) for c in r["code"]["coding"])


def note_sections(path: Path) -> set[str]:
    return {n.section_key(h) for n in raw_notes(read_bundle(path)) for h in n.sections}


# What each "none recorded" key of a summary claims, checked on the raw bundle.
ABSENT: dict[str, Any] = {
    "none:allergies": lambda r: r["resourceType"] == "AllergyIntolerance",
    "none:problems-active": lambda r: r["resourceType"] == "Condition"
    and not is_finding(r)
    and clinical_status(r) in ("active", "recurrence", "relapse"),
    "none:problems-resolved": lambda r: r["resourceType"] == "Condition"
    and not is_finding(r)
    and clinical_status(r) in ("resolved", "remission", "inactive"),
    "none:findings": is_finding,
    "none:notes": lambda r: r["resourceType"] == "DocumentReference" or bool(r.get("presentedForm")),
    "none:care-plans": lambda r: r["resourceType"] in ("CarePlan", "Goal"),
    "none:devices": lambda r: r["resourceType"] == "Device",
    "none:medication-administrations": lambda r: r["resourceType"] == "MedicationAdministration",
    "none:medications-active": lambda r: r["resourceType"] == "MedicationRequest" and r["status"] == "active",
    "none:medications-stopped": lambda r: r["resourceType"] == "MedicationRequest"
    and r["status"] in ("stopped", "completed", "cancelled"),
    "none:immunizations": lambda r: r["resourceType"] == "Immunization",
    "none:encounters": lambda r: r["resourceType"] == "Encounter",
    "none:procedures": lambda r: r["resourceType"] == "Procedure",
    "none:results": lambda r: r["resourceType"] == "Observation",
}


def absent_observations(key: str, raw: dict[str, dict[str, Any]]) -> bool:
    """What ``none:observations-<name>`` claims: no Observation of the bundle carries a code of ``name``."""
    from medcite.core.vocabulary import find_observation_name

    entry = find_observation_name(key.removeprefix("none:observations-").replace("-", " "))
    assert entry is not None, key
    coded = {
        c.get("code")
        for r in raw.values()
        if r["resourceType"] == "Observation"
        for part in [r.get("code") or {}, *(x.get("code") or {} for x in r.get("component", []))]
        for c in part.get("coding", [])
    }
    return not coded & set(entry.codes)


class SilentSmolLM2(FakeScriptedChatModel):
    """A scripted model that writes nothing and counts tokens with the embedded model's tokenizer: the graph,
    the record, retrieval and the prompt are real; no model runs."""

    def get_num_tokens(self, text: str) -> int:
        return count_tokens(text)


@pytest.fixture(scope="module")
def summarizer_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings.from_env(data_dir=tmp_path_factory.mktemp("summaries"), max_new_tokens=128)


def summarize(bundle: Path, model: PromptedToolChatModel, settings: Settings, retriever: GuidelineRetriever) -> Answer:
    bot = Assistant(source=bundle, settings=settings, model=model, retriever=retriever, checkpointer=InMemorySaver())
    summary = bot.summarize()
    check_against_bundle(summary, bundle, bot.patient_id or "")
    return summary


def check_against_bundle(summary: Answer, bundle: Path, patient_id: str) -> None:
    raw = raw_resources(bundle)
    # Every citation key resolves to a real resource of this bundle or a real corpus passage.
    # A "none recorded" key is cited only where the bundle really holds nothing of that kind.
    # A care-gap key is one of the report's applicable recommendations; "no guideline in the corpus"
    # is said only for an active problem.
    assert summary.care_gaps is not None and len(summary.care_gaps.gaps) == 54
    applicable = {"caregap:" + g.guideline_key.removeprefix("guideline:") for g in summary.care_gaps.applicable()}
    problems = {s.title: s for s in summary.sections}["Active problems"].lines
    for citation in summary.citations:
        if citation.source == "guideline":
            assert citation.key.removeprefix("guideline:") in corpus_ids(), citation.key
            assert citation.date and citation.url
        elif citation.key.startswith("none:observations-"):
            assert absent_observations(citation.key, raw), citation.key
        elif citation.key.startswith("none:guidelines-"):
            assert any(citation.key.removeprefix("none:guidelines-") in re.sub(r"[^a-z0-9.]+", "-", p.lower())
                       for p in problems), citation.key
        elif citation.key.startswith("none:"):
            assert not any(ABSENT[citation.key](r) for r in raw.values()), citation.key
        elif citation.key.startswith("caregap:"):
            assert citation.key in applicable, citation.key
        elif "#" in citation.key:
            assert citation.key in note_sections(bundle), citation.key
        else:
            assert citation.key in raw, citation.key
    for key in re.findall(r"\[([A-Za-z]+/[^\]\s]+|(?:guideline|none|caregap):[^\]\s]+)\]", summary.text):
        assert key in summary.cited_keys(), key

    # The preventive-care section lists each applicable recommendation once, as of the record's date.
    care = next(s for s in summary.sections if s.title.startswith("Preventive care (USPSTF A/B) — care gaps as of"))
    assert set(care.keys) == applicable and len(care.keys) == len(applicable)
    assert care.title.endswith("USPSTF recommendations as of 2024-05-02")

    # Facts sections state the source values (observations) and dates (conditions, medications, patient).
    lines = {k: line for s in summary.sections for k, line in zip(s.keys, s.lines, strict=True)}
    assert lines, "no facts sections"
    for key, line in lines.items():
        resource = raw.get(key)
        if resource is None:
            continue
        if resource["resourceType"] == "Observation":
            assert set(source_values(resource)) <= numbers(line), (line, source_values(resource))
        elif resource["resourceType"] == "Condition" and "onsetDateTime" in resource:
            assert resource["onsetDateTime"][:10] in line, line
        elif resource["resourceType"] == "MedicationRequest":
            assert resource["authoredOn"][:10] in line, line
        elif resource["resourceType"] == "Patient":
            assert resource["birthDate"] in line, line

    # Every active condition and active medication of the bundle appears.
    by_title = {s.title: set(s.keys) for s in summary.sections}
    active_conditions = {k for k, r in raw.items() if is_active_condition(r)}
    active_meds = {k for k, r in raw.items() if r["resourceType"] == "MedicationRequest" and r["status"] == "active"}
    assert {k for k in active_conditions if not is_finding(raw[k])} <= by_title["Active problems"]
    assert {k for k in active_conditions if is_finding(raw[k])} <= by_title["Social history and findings"]
    assert active_meds <= by_title["Active medications"]

    # The synopsis holds only verified sentences; the FHIR export validates (inside render).
    assert all(c.kept for c in summary.checks if c.sentence in (summary.synopsis or ""))
    fhir = json.loads(render(summary, "fhir"))
    assert fhir["entry"][0]["resource"]["subject"]["reference"] == f"Patient/{patient_id}"
    assert summary.disclaimer in summary.to_markdown()


def prompt_evidence(settings: Settings, summary: Answer) -> dict[str, Any]:
    log = settings.audit_dir / f"{summary.trace_id}.jsonl"
    (event,) = [e for e in map(json.loads, log.read_text().splitlines()) if e["event"] == "prompt_evidence"]
    return event


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: p.name.split("_")[0] + "_" + p.name.split("_")[1])
def test_summary_sections_and_synopsis_prompt(
    bundle: Path, default_retriever: GuidelineRetriever, summarizer_settings: Settings
) -> None:
    model = SilentSmolLM2(outputs=[""])
    summary = summarize(bundle, model, summarizer_settings, default_retriever)
    assert not summary.synopsis and model.outputs == []

    # The whole synopsis prompt, as the embedded model would evaluate it, fits the default budget ...
    ((chat, _),) = model.requests
    assert chat_prompt_tokens(_vocab(), chat) <= PROMPT_TOKENS_PER_8K
    # ... and holds the problem-linked results the record has (newest of each code, with its trend).
    sections = patient_sections(open_source(bundle), summary.patient_id or "")
    names = linked_result_names(links_of(sections.active_problems))
    linked = {
        e.key
        for e in sections.latest_results
        if isinstance(e.fact, ObservationFact) and any(is_result_of(e.fact, n) for n in names)
    }
    assert linked <= set(prompt_evidence(summarizer_settings, summary)["keys"])


@pytest.mark.parametrize("bundle", MODEL_BUNDLES, ids=lambda p: p.name.split("_")[0] + "_" + p.name.split("_")[1])
def test_summarize_with_the_default_model(
    bundle: Path,
    default_model: PromptedToolChatModel,
    default_retriever: GuidelineRetriever,
    summarizer_settings: Settings,
) -> None:
    summary = summarize(bundle, default_model, summarizer_settings, default_retriever)
    log = summarizer_settings.audit_dir / f"{summary.trace_id}.jsonl"
    (call,) = [e for e in map(json.loads, log.read_text().splitlines()) if e["event"] == "model_call"]
    assert 0 < call["usage"]["input_tokens"] <= PROMPT_TOKENS_PER_8K
