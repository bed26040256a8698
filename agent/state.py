"""Graph state. Values are plain JSON-able data so any checkpointer can store them."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

from medcite.agent.answer import Flag, SentenceCheck
from medcite.core.evidence import Evidence

Mode = Literal["ask", "summarize"]
EvidenceMap = dict[str, dict[str, Any]]


def merge_evidence(left: EvidenceMap | None, right: EvidenceMap | None) -> EvidenceMap:
    """Evidence accumulates over the turns of a conversation, keyed by citation key."""
    return {**(left or {}), **(right or {})}


def add_flags(left: list[dict[str, Any]] | None, right: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Nodes add the flags they raise; the same (kind, reason) is kept once. gather starts each turn
    afresh with ``langgraph.types.Overwrite``."""
    out = list(left or [])
    seen = {(f["kind"], f["reason"]) for f in out}
    for flag in right or []:
        if (flag["kind"], flag["reason"]) not in seen:
            seen.add((flag["kind"], flag["reason"]))
            out.append(flag)
    return out


class AgentState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    question: str
    mode: Mode
    scope: str  # the (source, patient) this conversation belongs to; never changes within a thread
    evidence: Annotated[EvidenceMap, merge_evidence]
    turn_keys: list[str]  # evidence gathered for the current question, in order
    expected: dict[str, list[str]]  # data the question needs that came back empty → searched calls
    guideline_query: str | None
    flags: Annotated[list[dict[str, Any]], add_flags]
    steps: int
    draft: str
    checks: list[dict[str, Any]]
    answer: dict[str, Any]
    sections: list[dict[str, Any]]  # summaries: [{"title", "keys"}] in display order
    care_gaps: dict[str, Any]  # summaries: the whole care-gap report (not-applicable recommendations included)
    synopsis_keys: list[str]  # summaries: the evidence the synopsis is written from, in order


def evidence_of(state: AgentState, keys: list[str] | None = None) -> dict[str, Evidence]:
    """Typed evidence, all of it or the given keys (in that order)."""
    stored = state.get("evidence") or {}
    wanted = keys if keys is not None else list(stored)
    return {k: Evidence.model_validate(stored[k]) for k in wanted if k in stored}


def flags_of(state: AgentState) -> list[Flag]:
    return [Flag.model_validate(f) for f in state.get("flags") or []]


def checks_of(state: AgentState) -> list[SentenceCheck]:
    return [SentenceCheck.model_validate(c) for c in state.get("checks") or []]


def dump_evidence(items: list[Evidence]) -> EvidenceMap:
    return {e.key: e.model_dump(mode="json") for e in items}
