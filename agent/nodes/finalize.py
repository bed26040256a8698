"""finalize: the typed Answer — verified text (or a cited fallback), sections, citations, flags, trace id."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from medcite.agent.answer import Answer, Flag, Section
from medcite.agent.citations import resolve
from medcite.agent.context import AgentContext
from medcite.agent.nodes.common import audited
from medcite.agent.prompts import load_prompt
from medcite.agent.state import AgentState, checks_of, evidence_of, flags_of
from medcite.core.citation_keys import citation_keys
from medcite.core.evidence import CareGapFact, Evidence, GuidelineFact
from medcite.core.safe_text import markdown_cited, markdown_text
from medcite.tools.caregaps import CareGapReport

FALLBACK_LINES = 12


def _fallback(items: list[Evidence]) -> str:
    """Markdown: the cited record lines gathered for the question, when no model sentence verified; care-gap
    statuses first (they answer the question that asked for them)."""
    relevant = [e for e in items if not e.key.startswith("Patient/")] or items
    relevant = sorted(relevant, key=lambda e: not isinstance(e.fact, CareGapFact))
    lines = [f"- {markdown_cited(e.text)}" for e in relevant[:FALLBACK_LINES]]
    return (
        "\n".join([load_prompt("fallback"), *lines])
        if lines
        else load_prompt("incomplete").format(reason="no evidence was found for this question.")
    )


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


def _markdown(answer: Answer, kept: str, fallback: str) -> str:
    """The answer as Markdown: verified model sentences and record lines escaped, never active markup."""
    text = "\n".join(filter(None, [markdown_cited(kept), fallback]))
    if not answer.sections:
        return text or load_prompt("no_synopsis")
    patient = markdown_text(answer.patient_id or "")
    parts = [f"## Patient summary ({patient})", "", "### Synopsis (model-written, verified)"]
    parts += [text or load_prompt("no_synopsis"), ""]
    for s in answer.sections:
        parts += [f"### {s.title}", *([f"- {markdown_cited(line)}" for line in s.lines] or ["- none recorded"]), ""]
    return "\n".join(parts).rstrip()


@audited("finalize")
def finalize(state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    evidence = evidence_of(state)
    turn = list(evidence_of(state, state.get("turn_keys", [])).values())
    checks = checks_of(state)
    flags = flags_of(state)
    raised: list[Flag] = []
    kept = " ".join(c.sentence for c in checks if c.kept).strip()
    summarize = state.get("mode") == "summarize"
    fallback = not any(c.status == "verified" for c in checks)
    listed = ""
    if fallback:
        note = "no sentence of the model's draft could be verified against the evidence"
        raised.append(Flag(kind="incomplete", reason=note))
        flags.append(raised[-1])
        listed = _fallback(turn) if not summarize else ""
    sections = _sections(state, evidence) if summarize else []
    keys = citation_keys(f"{kept} {listed}") + [k for s in sections for line in s.lines for k in citation_keys(line)]
    citations = resolve(keys, evidence)
    report = state.get("care_gaps")
    answer = Answer(
        question=state["question"],
        text="",
        synopsis=kept if summarize else None,
        fallback=fallback and not summarize,
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
    answer.text = _markdown(answer, kept, listed)
    ctx.log("answer", text=answer.text, flags=[str(f) for f in flags], citations=answer.cited_keys())
    return {
        "answer": answer.model_dump(mode="json"),
        "flags": [f.model_dump() for f in raised],
        "messages": [AIMessage(content=answer.text)],
    }
