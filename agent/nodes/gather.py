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
from medcite.agent.planner import plan_question, summary_k_per_problem, summary_problems
from medcite.agent.safety import neutralize_evidence
from medcite.agent.state import AgentState, dump_evidence
from medcite.core.evidence import AbsenceFact, CareGapFact, ConditionFact, Evidence, GuidelineFact, with_history
from medcite.tools.caregaps import CareGapReport, care_gaps
from medcite.tools.caregaps.evidence import cited_entries, heading, report_evidence
from medcite.tools.fhir import patient_sections
from medcite.tools.retrieval import GuidelineRetriever
from medcite.tools.retrieval.hits import hit_evidence
from medcite.tools.retrieval.population import Population
from medcite.tools.retrieval.problems import guidance_for_problems, no_guideline


@dataclass
class _Record:
    """What the record gave for this turn."""

    items: list[Evidence] = field(default_factory=list)
    expected: dict[str, list[str]] = field(default_factory=dict)  # needed data that came back empty
    flags: list[Flag] = field(default_factory=list)
    guideline_queries: list[str] = field(default_factory=list)
    guideline_k: int = 0
    sections: list[dict[str, Any]] = field(default_factory=list)  # summaries: [{"title", "keys"}]
    problems: list[str] = field(default_factory=list)  # summaries: active problems to look guidelines up for
    care_gaps: CareGapReport | None = None
    synopsis_keys: list[str] = field(default_factory=list)  # summaries: what the synopsis is written from


def _population(report: CareGapReport | None) -> Population | None:
    if report is None:
        return None
    sex = report.sex if report.sex in ("female", "male") else None
    return Population(sex=sex, age=report.age, pregnant=report.pregnant)  # type: ignore[arg-type]


def _summary_evidence(ctx: AgentContext, out: _Record) -> _Record:
    assert ctx.source is not None and ctx.patient_id is not None
    sections = patient_sections(ctx.source, ctx.patient_id, ctx.as_of.day if ctx.as_of else None)
    report = care_gaps(ctx.source, ctx.patient_id, as_of=ctx.as_of)
    gaps = report_evidence(report)
    out.items = [*sections.evidence(), *gaps, *cited_entries(ctx.source, [g for g in report.gaps if g.applicable])]
    out.flags = [Flag(kind="source_issue", reason=issue) for issue in sections.data_issues]
    names = [e.fact.code.display or "" for e in sections.active_problems if isinstance(e.fact, ConditionFact)]
    out.problems = summary_problems(names)
    out.care_gaps = report
    titled = [("Patient", [sections.patient]), *sections.titled(), (heading(report), gaps)]
    out.sections = [{"title": t, "keys": [e.key for e in lines]} for t, lines in titled]
    out.synopsis_keys = [e.key for e in sections.synopsis_evidence()]
    return out


def _record_evidence(ctx: AgentContext, state: AgentState) -> _Record:
    out = _Record()
    if ctx.source is None or ctx.patient_id is None:
        return out
    if state.get("mode") == "summarize":
        return _summary_evidence(ctx, out)
    plan = plan_question(state["question"])
    out.guideline_queries = [plan.guideline_query] if plan.guideline_query else []
    out.guideline_k = plan.guideline_k
    for call in plan.calls:
        found, problem = run_tool(ctx, call.tool, call.args)
        if problem:
            out.flags.append(problem)
        if call.expects and all(isinstance(e.fact, AbsenceFact) for e in found):
            out.expected.setdefault(call.expects, []).append(call.signature())
        out.items += found
    return out


def _guideline_evidence(ctx: AgentContext, record: _Record) -> tuple[list[Evidence], list[Flag]]:
    """Guideline passages the turn asked for: the question's search, or each active problem's passages."""
    if ctx.retriever is None:
        return [], []
    population = _population(record.care_gaps)
    items: list[Evidence] = []
    flags: list[Flag] = []
    for q in record.guideline_queries:
        hits = ctx.retriever.search_evidence(q, record.guideline_k, population)
        flags += retrieval_flags(q, hits)
        items += hits
    if record.problems and isinstance(ctx.retriever, GuidelineRetriever):
        for g in guidance_for_problems(ctx.retriever, record.problems, population, k=summary_k_per_problem()):
            items += [hit_evidence(h) for h in g.hits] if g.found else [no_guideline(g.problem, population)]
    return items, flags


def _cited_passages(ctx: AgentContext, items: list[Evidence]) -> list[Evidence]:
    """The recommendation statements care-gap lines cite, as evidence of their own."""
    ids = [e.fact.guideline_key.removeprefix("guideline:") for e in items if isinstance(e.fact, CareGapFact)]
    return ctx.retriever.passages_evidence(ids) if ctx.retriever is not None and ids else []


def guideline_section_title(lines: list[Evidence]) -> str:
    """The section title, with the snapshot date of each corpus its passages come from, said once."""
    snapshots = [e.fact.snapshot for e in lines if isinstance(e.fact, GuidelineFact) and e.fact.snapshot]
    stamp = "; ".join(dict.fromkeys(s for s in snapshots if s))
    return f"{GUIDELINE_SECTION}; {stamp}" if stamp else GUIDELINE_SECTION


GUIDELINE_SECTION = "Guideline recommendations for the active problems"


@audited("gather")
def gather(state: AgentState, *, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    record = _record_evidence(ctx, state)
    guidelines, g_flags = _guideline_evidence(ctx, record)
    cited = [e for e in _cited_passages(ctx, record.items) if e.key not in {g.key for g in guidelines}]
    items, injection_flags = neutralize_evidence(with_history(record.items) + guidelines + cited)
    keys = list(dict.fromkeys(e.key for e in items))
    ctx.log("evidence", keys=keys, expected_missing=record.expected)
    if record.sections:
        record.sections.append({"title": guideline_section_title(guidelines), "keys": [e.key for e in guidelines]})
    return {
        "sections": record.sections,
        "care_gaps": record.care_gaps.model_dump(mode="json") if record.care_gaps else {},
        "synopsis_keys": record.synopsis_keys,
        "evidence": dump_evidence(items),
        "turn_keys": keys,
        "expected": record.expected,
        "flags": Overwrite([f.model_dump() for f in record.flags + g_flags + injection_flags]),
        "steps": 0,
        "draft": "",
        "checks": [],
        "answer": {},
    }
