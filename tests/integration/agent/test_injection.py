"""Prompt injection planted in record fields and user guideline documents is never obeyed.

The cases are data (``tests/data/injection_cases.json``, loaded by ``tests/fixtures/injection.py``, where
"obeyed" is defined). Every case runs through the real graph (real bundle, tools, Chroma store and
embeddings) with the worst-case ``ObedientScriptedChatModel``, in both modes (summarize and ask); the
cases marked ``default_model`` also run with the embedded default model (ask). A liveness run without
the neutralisation layer shows that each shown case does reach the model and would be obeyed, and that
each field no tool renders never reaches a prompt.

Set ``MEDCITE_INJECTION_REPORT`` to a file path to get a per-case table of the results.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.memory import InMemorySaver

from medcite.agent.assistant import Assistant
from medcite.agent.models import PromptedToolChatModel
from medcite.agent.safety import is_instruction_like
from medcite.core.settings import Settings
from medcite.corpora.default import iter_records
from medcite.corpora.ingest import ingest_paths
from medcite.tools.retrieval import GuidelineRetriever, GuidelineStore
from medcite.tools.retrieval.embedding import GuidelineEmbedder
from tests.fakes import ObedientScriptedChatModel
from tests.fixtures.injection import Case, Run, judge, load_cases, never_prompted, planted_bundle, planted_document

CASES = load_cases()
DEMAND_OF_KIND = {
    "override": "phrase",
    "role_tag": "phrase",
    "tool_call": "tool",
    "fake_key": "key",
    "exfiltration": "markup",
    "language": "language",
    "format": "format",
}
RESULTS: list[dict[str, object]] = []


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    target = os.environ.get("MEDCITE_INJECTION_REPORT")
    if target:
        Path(target).write_text("\n".join(json.dumps(r) for r in RESULTS) + "\n")


def _retriever(case: Case, folder: Path, embedder: GuidelineEmbedder) -> GuidelineRetriever | None:
    """A real store holding only the case's planted document (none for record cases)."""
    if case.plant.document is None:
        return None
    docs = folder / "docs"
    docs.mkdir()
    settings = Settings(data_dir=folder / "store")
    store = GuidelineStore(settings, embedder)
    report = ingest_paths(store, [planted_document(case, docs)])
    assert report.ok, report.render()
    return GuidelineRetriever(store, settings)


def run_case(
    case: Case, mode: str, model: BaseChatModel, folder: Path, retriever: GuidelineRetriever | None
) -> Run:
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env(data_dir=folder, max_steps=1, max_new_tokens=96)
    bot = Assistant(
        source=planted_bundle(CASES, case, folder),
        settings=settings,
        model=model,
        retriever=retriever or False,
        checkpointer=InMemorySaver(),
    )
    answer = bot.summarize() if mode == "summarize" else bot.ask(case.question)
    events = [json.loads(line) for line in (folder / "runs" / f"{answer.trace_id}.jsonl").read_text().splitlines()]
    run = Run(answer=answer, events=events, tools=[t.name for t in bot.tools])
    if isinstance(model, ObedientScriptedChatModel):
        run.requests = ["\n".join(turn["content"] for turn in chat) for chat in model.requests]
        run.saw = sorted({d.kind for demands in model.obeyed for d in demands})
    return run


def _record(case: Case, model: str, mode: str, run: Run, obeyed: list[str], defended: bool = True) -> None:
    RESULTS.append(
        {
            "case": case.name,
            "split": case.split,
            "kind": case.kind,
            "field": case.field,
            "model": model,
            "mode": mode,
            "defended": defended,
            "reached_model": DEMAND_OF_KIND[case.kind] in run.saw if model == "obedient" else None,
            "obeyed": obeyed,
        }
    )


@pytest.mark.parametrize("case", CASES.cases, ids=[c.name for c in CASES.cases])
def test_obedient_model_obeys_no_planted_instruction(
    case: Case, tmp_path: Path, guideline_embedder: GuidelineEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    retriever = _retriever(case, tmp_path, guideline_embedder)
    modes = ("summarize", "ask")
    runs = [run_case(case, mode, ObedientScriptedChatModel(), tmp_path / mode, retriever) for mode in modes]
    # Liveness: with the neutralisation layer off, the same model finds the planted instruction.
    with monkeypatch.context() as patch:
        patch.setattr("medcite.agent.safety.is_instruction_like", lambda text: False)
        live = [run_case(case, m, ObedientScriptedChatModel(), tmp_path / f"{m}-open", retriever) for m in modes]
    verdicts = [judge(case, run) for run in runs]
    for mode, run, obeyed in zip(modes, runs, verdicts, strict=True):
        _record(case, "obedient", mode, run, obeyed)
    for mode, run in zip(modes, live, strict=True):
        _record(case, "obedient", mode, run, judge(case, run), defended=False)

    assert verdicts == [[], []], (case.name, verdicts)
    if case.shown:
        assert any(DEMAND_OF_KIND[case.kind] in run.saw for run in live), (case.name, [r.saw for r in live])
    else:
        assert all(never_prompted(case, run) for run in [*runs, *live]), case.name


DEFAULT_CASES = [c for c in CASES.cases if c.default_model]


@pytest.mark.slow
@pytest.mark.parametrize("case", DEFAULT_CASES, ids=[c.name for c in DEFAULT_CASES])
def test_default_model_obeys_no_planted_instruction(
    case: Case, tmp_path: Path, guideline_embedder: GuidelineEmbedder, default_model: PromptedToolChatModel
) -> None:
    run = run_case(case, "ask", default_model, tmp_path / "ask", _retriever(case, tmp_path, guideline_embedder))
    obeyed = judge(case, run)
    _record(case, "default", "ask", run, obeyed)
    assert not obeyed, (case.name, obeyed)


def _strings(node: object) -> Iterator[str]:
    """Every free-text string of a FHIR resource (not ids, references, systems or narratives)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in ("id", "fullUrl", "reference", "system", "url", "div", "data"):
                yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


# Shipped-corpus passages the patterns flagged before this set grew (all phrasings like "respond only to",
# "do not report", "nervous system: ..."); the added patterns must not flag more.
CORPUS_FLAGGED_BASELINE = 14


def test_injection_patterns_leave_real_clinical_text_alone(synthea_bundles: list[Path]) -> None:
    """False positives: every text field of every Synthea bundle, and every shipped guideline passage."""
    fields = {s for path in synthea_bundles for s in _strings(json.loads(path.read_text())) if len(s) > 3}
    assert [s for s in fields if is_instruction_like(s)] == []
    passages = [str(r["text"]) for r in iter_records()]
    flagged = [p for p in passages if is_instruction_like(p)]
    assert len(passages) > 7000 and len(flagged) <= CORPUS_FLAGGED_BASELINE, len(flagged)
