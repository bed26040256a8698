"""finalize: the typed Answer — the model's verified answer, the answer rendered from the record, a backed
abstention or a smaller fallback (``answer_choice``); summary sections, citations, flags, trace id."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime
from pydantic import TypeAdapter

from medcite.agent.answer import Answer, Flag, Section, SentenceCheck
from medcite.agent.answer_choice import Chosen, choose_answer
from medcite.agent.asked import Asked
from medcite.agent.citations import resolve
from medcite.agent.context import AgentContext
from medcite.agent.nodes.common import audited
from medcite.agent.prompts import load_prompt
from medcite.agent.state import AgentState, checks_of, evidence_of, flags_of
from medcite.core.citation_keys import citation_keys
from medcite.core.evidence import Evidence, GuidelineFact
from medcite.core.safe_text import markdown_cited, markdown_text
from medcite.tools.caregaps import CareGapReport

_ASKED = TypeAdapter(list[Asked])


def _snapshots(cited: list[Evidence]) -> list[str]:
    """The snapshot of each guideline corpus cited ('USPSTF recommendations as of 2024-05-02'), once each."""
    found = [e.fact.snapshot for e in cited if isinstance(e.fact, GuidelineFact) and e.fact.snapshot]
    return list(dict.fromkeys(found))


def _sections(state: AgentState, evidence: dict[str, Evidence]) -> list[Section]:
    """Facts sections as gathered from the record (rendered by code, never by the model)."""
    out = []
    for spec in state.get("sections") or []:
        lines = [evidence[k] for k in spec["keys"] if k in evidence]
        out.append(Section(title=spec["title"], lines=[e.text for e in lines], keys=[e.key for e in lines]))
    return out


def _markdown(answer: Answer, text: str) -> str:
    """The answer as Markdown (``text``: the chosen answer, escaped), with a summary's sections; never active
    markup."""
    if not answer.sections:
        return text or load_prompt("no_synopsis")
    patient = markdown_text(answer.patient_id or "")
    parts = [f"## Patient summary ({patient})", "", "### Synopsis (model-written, verified)"]
    parts += [text or load_prompt("no_synopsis"), ""]
    for s in answer.sections:
        parts += [f"### {s.title}", *([f"- {markdown_cited(line)}" for line in s.lines] or ["- none recorded"]), ""]
    return "\n".join(parts).rstrip()


def _summary(checks: list[SentenceCheck]) -> Chosen:
    """A summary's synopsis: the kept sentences of the model's draft (the sections come from the record)."""
    kept = " ".join(c.sentence for c in checks if c.kept).strip()
    flags = []
    if not any(c.status == "verified" for c in checks):
        note = "no sentence of the model's draft could be verified against the evidence"
        flags.append(Flag(kind="incomplete", reason=note))
    return Chosen("summary", kept, flags=flags, markdown=markdown_cited(kept))


@audited("finalize")
def finalize(state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    evidence = evidence_of(state)
    summarize = state.get("mode") == "summarize"
    checks = checks_of(state)
    if summarize:
        chosen = _summary(checks)
    else:
        asked = _ASKED.validate_python(state.get("asked") or [])
        chosen = choose_answer(checks, asked, evidence, state.get("matched_keys") or [])
    flags = flags_of(state) + chosen.flags
    sections = _sections(state, evidence) if summarize else []
    keys = citation_keys(chosen.text) + [k for s in sections for line in s.lines for k in citation_keys(line)]
    citations = resolve(keys, evidence)
    report = state.get("care_gaps")
    answer = Answer(
        question=state["question"],
        text="",
        synopsis=chosen.text if summarize else None,
        fallback=chosen.basis == "fallback",
        basis=chosen.basis,
        sentences=chosen.sentences,
        citations=citations,
        corpus_snapshots=_snapshots([evidence[c.key] for c in citations]),
        care_gaps=CareGapReport.model_validate(report) if summarize and report else None,
        flags=flags,
        checks=[c.shown() for c in checks],
        sections=sections,
        patient_id=ctx.patient_id,
        model=str(getattr(ctx.model, "model_name", "") or type(ctx.model).__name__),
        trace_id=ctx.audit.trace_id if ctx.audit else "",
    )
    answer.text = _markdown(answer, chosen.markdown)
    ctx.log(
        "answer", text=answer.text, basis=answer.basis, flags=[str(f) for f in flags], citations=answer.cited_keys()
    )
    return {
        "answer": answer.model_dump(mode="json"),
        "flags": [f.model_dump() for f in chosen.flags],
        "messages": [AIMessage(content=answer.text)],
    }
