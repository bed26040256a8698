"""gather: deterministic evidence first — the rules pick FHIR tools and guideline searches, not the model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import Overwrite

from medcite.agent.answer import Flag
from medcite.agent.context import AgentContext
from medcite.agent.flags import retrieval_flags
from medcite.agent.nodes.common import audited, run_tool
from medcite.agent.planner import PlannedCall, plan_question, summary_guideline_queries, summary_k_per_problem
from medcite.agent.safety import neutralize_evidence
from medcite.agent.state import AgentState, dump_evidence
from medcite.core.evidence import AbsenceFact, ConditionFact, Evidence, with_history
from medcite.tools.fhir import patient_sections


@dataclass
class _Record:
    """What the record gave for this turn."""

    items: list[Evidence] = field(default_factory=list)
    expected: dict[str, list[str]] = field(default_factory=dict)  # needed data that came back empty
    flags: list[Flag] = field(default_factory=list)
    guideline_queries: list[str] = field(default_factory=list)
    guideline_k: int = 0
    sections: list[dict[str, Any]] = field(default_factory=list)  # summaries: [{"title", "keys"}]
    asked: list[dict[str, Any]] = field(default_factory=list)  # recognised question kinds, with their keys
    matched_keys: list[str] = field(default_factory=list)  # evidence of the calls planned for what it names


def _record_evidence(ctx: AgentContext, state: AgentState) -> _Record:
    out = _Record()
    if ctx.source is None or ctx.patient_id is None:
        return out
    if state.get("mode") == "summarize":
        sections = patient_sections(ctx.source, ctx.patient_id)
        out.items = sections.evidence()
        out.flags = [Flag(kind="source_issue", reason=issue) for issue in sections.data_issues]
        names = (e.fact.code.display for e in sections.active_problems if isinstance(e.fact, ConditionFact))
        out.guideline_queries = summary_guideline_queries([n for n in dict.fromkeys(names) if n])
        out.guideline_k = summary_k_per_problem()
        titled = [("Patient", [sections.patient]), *sections.titled()]
        out.sections = [{"title": t, "keys": [e.key for e in lines]} for t, lines in titled]
        return out
    plan = plan_question(state["question"])
    out.guideline_queries = [plan.guideline_query] if plan.guideline_query else []
    out.guideline_k = plan.guideline_k
    returned: dict[str, list[str]] = {}
    for call in plan.calls:
        found, problem = run_tool(ctx, call.tool, call.args)
        if problem:
            out.flags.append(problem)
        if call.expects and all(isinstance(e.fact, AbsenceFact) for e in found):
            out.expected.setdefault(call.expects, []).append(call.signature())
        out.items += found
        returned[call.signature()] = [e.key for e in found]
        if call.matched:
            out.matched_keys += [e.key for e in found if e.key not in out.matched_keys]
    for item in plan.asked:
        signatures = [PlannedCall(tool=tool, args=args).signature() for tool, args in item.calls()]
        keys = [k for signature in signatures for k in returned.get(signature, [])]
        out.asked.append(item.model_copy(update={"keys": tuple(dict.fromkeys(keys))}).model_dump(mode="json"))
    return out


def _guideline_evidence(ctx: AgentContext, record: _Record) -> tuple[list[Evidence], list[Flag]]:
    if ctx.retriever is None:
        return [], []
    items: list[Evidence] = []
    flags: list[Flag] = []
    for q in record.guideline_queries:
        hits = ctx.retriever.search_evidence(q, record.guideline_k)
        flags += retrieval_flags(q, hits)
        items += hits
    return items, flags


GUIDELINE_SECTION = "Guideline recommendations for the active problems (retrieved, dated)"


@audited("gather")
def gather(state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    record = _record_evidence(ctx, state)
    guidelines, g_flags = _guideline_evidence(ctx, record)
    items, injection_flags = neutralize_evidence(with_history(record.items) + guidelines)
    keys = list(dict.fromkeys(e.key for e in items))
    ctx.log("evidence", keys=keys, expected_missing=record.expected)
    if record.sections:
        record.sections.append({"title": GUIDELINE_SECTION, "keys": [e.key for e in guidelines]})
    return {
        "sections": record.sections,
        "asked": record.asked,
        "matched_keys": list(dict.fromkeys([*record.matched_keys, *(e.key for e in guidelines)])),
        "evidence": dump_evidence(items),
        "turn_keys": keys,
        "expected": record.expected,
        "flags": Overwrite([f.model_dump() for f in record.flags + g_flags + injection_flags]),
        "steps": 0,
        "draft": "",
        "checks": [],
        "answer": {},
    }
