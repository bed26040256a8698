"""finalize: the typed Answer — the model's verified answer, the answer rendered from the record, a backed
abstention or a smaller fallback (``answer_choice``); summary sections, citations, flags, trace id."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime
from pydantic import TypeAdapter

from medcite.agent.answer import Answer, Flag, Section
from medcite.agent.answer_choice import Chosen, choose_answer
from medcite.agent.asked import Asked
from medcite.agent.citations import resolve
from medcite.agent.context import AgentContext
from medcite.agent.nodes.common import audited
from medcite.agent.prompts import load_prompt
from medcite.agent.state import AgentState, checks_of, evidence_of, flags_of
from medcite.core.citation_keys import citation_keys
from medcite.core.evidence import Evidence

_ASKED = TypeAdapter(list[Asked])


def _sections(state: AgentState, evidence: dict[str, Evidence]) -> list[Section]:
    """Facts sections as gathered from the record (rendered by code, never by the model)."""
    out = []
    for spec in state.get("sections") or []:
        lines = [evidence[k] for k in spec["keys"] if k in evidence]
        out.append(Section(title=spec["title"], lines=[e.text for e in lines], keys=[e.key for e in lines]))
    return out


def _markdown(answer: Answer) -> str:
    if not answer.sections:
        return answer.text
    parts = [f"## Patient summary ({answer.patient_id})", "", "### Synopsis (model-written, verified)", answer.text, ""]
    for s in answer.sections:
        parts += [f"### {s.title}", *([f"- {line}" for line in s.lines] or ["- none recorded"]), ""]
    return "\n".join(parts).rstrip()


def _summary(state: AgentState) -> Chosen:
    """A summary's synopsis: the kept sentences of the model's draft (the sections come from the record)."""
    checks = checks_of(state)
    kept = " ".join(c.sentence for c in checks if c.kept)
    flags = []
    if not any(c.status == "verified" for c in checks):
        note = "no sentence of the model's draft could be verified against the evidence"
        flags.append(Flag(kind="incomplete", reason=note))
    return Chosen("summary", kept.strip() or load_prompt("no_synopsis"), flags=flags)


@audited("finalize")
def finalize(state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    evidence = evidence_of(state)
    summarize = state.get("mode") == "summarize"
    if summarize:
        chosen = _summary(state)
    else:
        asked = _ASKED.validate_python(state.get("asked") or [])
        chosen = choose_answer(checks_of(state), asked, evidence, state.get("matched_keys") or [])
    flags = flags_of(state) + chosen.flags
    sections = _sections(state, evidence) if summarize else []
    keys = citation_keys(chosen.text) + [k for s in sections for line in s.lines for k in citation_keys(line)]
    answer = Answer(
        question=state["question"],
        text=chosen.text,
        synopsis=chosen.text if summarize else None,
        fallback=chosen.basis == "fallback",
        basis=chosen.basis,
        sentences=chosen.sentences,
        citations=resolve(keys, evidence),
        flags=flags,
        checks=checks_of(state),
        sections=sections,
        patient_id=ctx.patient_id,
        model=str(getattr(ctx.model, "model_name", "") or type(ctx.model).__name__),
        trace_id=ctx.audit.trace_id if ctx.audit else "",
    )
    answer.text = _markdown(answer)
    ctx.log(
        "answer", text=answer.text, basis=answer.basis, flags=[str(f) for f in flags], citations=answer.cited_keys()
    )
    return {
        "answer": answer.model_dump(mode="json"),
        "flags": [f.model_dump() for f in chosen.flags],
        "messages": [AIMessage(content=answer.text)],
    }
