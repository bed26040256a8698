"""End-to-end ``summarize`` wall time per Synthea bundle with the configured (default: embedded) model, by stage,
with the synopsis prompt's size before and after salience ordering and whether it holds the problem-linked results.

Stages of one bundle, from the node durations in the run's audit JSONL:
  load    opening the FHIR source (parse, reference resolution, R4B validation, index) and picking the patient
  gather  the gather node (record sections; guideline retrieval unless --no-guidelines)
  model   the draft node (the model writes the synopsis); for llama.cpp split into prompt evaluation (p-eval)
          and generation (gen) by llama.cpp's own counters
  verify  the verify, flag and finalize nodes
  graph   the rest of the wall time: Assistant wiring, LangGraph, the (SQLite) checkpointer
Prompt tokens: "before" is the synopsis prompt as it was built before salience ordering (record lines in a
fixed order: patient, problems, medications, allergies, results with vital signs first and labs alphabetically,
full citation keys, up to the character budget), counted with the model's tokenizer and chat template;
"after" is what the model evaluated (its usage report). Linked: the problem-linked results of the bundle
(agent/rules/problem_results.json) that are in the prompt, of those the record holds.
Baseline (unless --no-bare), measured right after each bundle in the same process: the bare model call alone,
``model.invoke`` of [system prompt, synopsis prompt] of the same number of prompt tokens as that run's draft
prompt, capped at the same number of output tokens as the draft produced (no JSON-schema constraint, no graph). Ratio:
pipeline overhead = total / bare model time. One-time costs (model load, guideline store) are reported apart.

Usage: ``python benchmarks/bench_summarize.py [--limit N] [--bundles DIR] [--no-guidelines] [--no-bare] [--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from llama_perf import llama_counters
from tokens import chat_prompt_tokens

from medcite.agent.assistant import SUMMARY_QUESTION, Assistant
from medcite.agent.evidence_block import prompt_budget_chars
from medcite.agent.models import PromptedToolChatModel, load_chat_model
from medcite.agent.models.llamacpp import LlamaCppChatModel
from medcite.agent.problem_links import is_result_of, linked_result_names, links_of, missing_linked_results
from medcite.agent.prompts import load_prompt
from medcite.core.evidence import ObservationFact, with_history
from medcite.core.settings import Settings
from medcite.tools.fhir import FhirSource, PatientSections, open_source, patient_sections, pick_patient

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MEDCITE_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEFAULT_BUNDLES = SHARED / "fhir_synthea_r4" / "bundles"
DEMO_BUNDLE = "Patria_Schimmel_d2f8f862-3856-490d-b56f-98e0ed984b1e"
VERIFY_NODES = ("verify", "flag", "finalize")
FIXED_ORDER = ("Patient/", "Condition/", "MedicationRequest/", "AllergyIntolerance/", "none:", "Observation/")


@dataclass
class BundleTiming:
    bundle: str
    load: float
    gather: float
    model: float
    prompt_eval: float
    generate: float
    verify: float
    graph: float
    total: float
    bare: float
    prompt_chars: int
    before_tokens: int
    prompt_tokens: int
    evaluated_tokens: int
    draft_tokens: int
    bare_prompt_tokens: int
    bare_tokens: int
    linked_shown: int
    linked_total: int
    absent_shown: int
    absent_total: int

    @property
    def overhead(self) -> float:
        return self.total / self.bare if self.bare else float("nan")


def audit_events(settings: Settings, trace_id: str) -> list[dict[str, Any]]:
    path = settings.audit_dir / f"{trace_id}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def node_seconds(events: list[dict[str, Any]], *nodes: str) -> float:
    return sum(e["duration_s"] for e in events if e["event"] == "node_end" and e["node"] in nodes)


def prompt_tokens(model: PromptedToolChatModel, messages: list[SystemMessage | HumanMessage]) -> int:
    """Prompt tokens of ``messages`` as the model evaluates them (chat template included for llama.cpp)."""
    turns = [{"role": "system" if m.type == "system" else "user", "content": str(m.content)} for m in messages]
    if isinstance(model, LlamaCppChatModel):
        return chat_prompt_tokens(model.llama, turns)
    return sum(model.get_num_tokens(t["content"]) for t in turns)


def same_size_prompt(
    model: PromptedToolChatModel, source: FhirSource, patient_id: str, tokens: int
) -> list[SystemMessage | HumanMessage]:
    """[system, synopsis prompt] of ``tokens`` prompt tokens (at most), filled with the bundle's own lines.

    The lines go in reverse order so that llama.cpp's prompt cache cannot reuse the draft's evidence prefix."""
    texts = [e.text for e in patient_sections(source, patient_id).evidence()][::-1]
    lines = "\n".join(texts) or "no record lines"
    filler = lines * (8 * tokens // len(lines) + 1)

    def messages(chars: int) -> list[SystemMessage | HumanMessage]:
        prompt = load_prompt("synopsis").format(evidence=filler[:chars])
        return [SystemMessage(load_prompt("system")), HumanMessage(prompt)]

    low, high = 0, len(filler)
    while low < high:  # the longest filler that fits
        mid = (low + high + 1) // 2
        low, high = (mid, high) if prompt_tokens(model, messages(mid)) <= tokens else (low, mid - 1)
    return messages(low)


def bare_call(
    model: PromptedToolChatModel, messages: list[SystemMessage | HumanMessage], max_tokens: int
) -> tuple[float, int, int]:
    """Seconds, prompt and output tokens of one plain model call (same weights, output capped at ``max_tokens``)."""
    capped = model.model_copy(update={"max_tokens": max(1, max_tokens)})
    start = time.perf_counter()
    reply = capped.invoke(messages)
    seconds = time.perf_counter() - start
    usage = reply.usage_metadata
    return seconds, usage["input_tokens"] if usage else 0, usage["output_tokens"] if usage else 0


def fixed_order_tokens(model: PromptedToolChatModel, settings: Settings, sections: PatientSections) -> int:
    """Prompt tokens of the synopsis prompt built the earlier way (the module docstring's "before")."""
    items = with_history(sections.evidence())
    ordered = [e for prefix in FIXED_ORDER for e in items if e.key.startswith(prefix)]
    budget = prompt_budget_chars(settings, model, other_chars=1500 + len(SUMMARY_QUESTION) + 1500)
    lines: list[str] = []
    for ev in ordered:
        line = ev.text.replace("<", "‹").replace(">", "›")
        if sum(len(x) + 1 for x in lines) + len(line) + 1 <= budget:
            lines.append(line)
    prompt = load_prompt("synopsis").format(evidence="\n".join(lines)) + "\n" + load_prompt("draft_json")
    return prompt_tokens(model, [SystemMessage(load_prompt("system")), HumanMessage(prompt)])


def linked_results(source: FhirSource, patient_id: str, sections: PatientSections) -> tuple[list[str], list[str]]:
    """Keys of the problem-linked results the record holds, and of the searches for those it lacks."""
    names = linked_result_names(links_of(sections.active_problems))
    held = [
        e.key
        for e in sections.latest_results
        if isinstance(e.fact, ObservationFact) and any(is_result_of(e.fact, n) for n in names)
    ]
    return held, [e.key for e in missing_linked_results(source, patient_id, sections)]


def time_bundle(
    path: Path, settings: Settings, model: PromptedToolChatModel, retriever: Any, bare: bool
) -> BundleTiming:
    llama_counters(model, reset=True)
    start = time.perf_counter()
    source = open_source(path, settings)
    patient_id = pick_patient(source, None)
    load = time.perf_counter() - start
    answer = Assistant(
        source=source, patient_id=patient_id, settings=settings, model=model, retriever=retriever
    ).summarize()
    total = time.perf_counter() - start
    counters = llama_counters(model)
    prompt_eval, generate, evaluated = counters.prompt_s, counters.gen_s, counters.prompt_tokens
    events = audit_events(settings, answer.trace_id)
    (draft_call,) = [e for e in events if e["event"] == "model_call"]
    (shown,) = [set(e["keys"]) for e in events if e["event"] == "prompt_evidence"]
    usage = draft_call.get("usage") or {}
    draft_tokens = int(usage.get("output_tokens", 0))
    gather, model_s, verify = (
        node_seconds(events, "gather"),
        node_seconds(events, "draft"),
        node_seconds(events, *VERIFY_NODES),
    )
    sections = patient_sections(source, patient_id)
    held, absent = linked_results(source, patient_id, sections)
    base = (0.0, 0, 0)
    if bare:
        same_size = same_size_prompt(model, source, patient_id, int(usage.get("input_tokens", 0)))
        base = bare_call(model, same_size, draft_tokens)
    return BundleTiming(
        bundle=path.stem,
        load=load,
        gather=gather,
        model=model_s,
        prompt_eval=prompt_eval,
        generate=generate,
        verify=verify,
        graph=total - load - gather - model_s - verify,
        total=total,
        bare=base[0],
        prompt_chars=draft_call["prompt_chars"],
        before_tokens=fixed_order_tokens(model, settings, sections),
        prompt_tokens=int(usage.get("input_tokens", 0)),
        evaluated_tokens=evaluated,
        draft_tokens=draft_tokens,
        bare_prompt_tokens=base[1],
        bare_tokens=base[2],
        linked_shown=len(shown & set(held)),
        linked_total=len(held),
        absent_shown=len(shown & set(absent)),
        absent_total=len(absent),
    )


HEADER = (
    f"{'bundle':<24} {'load':>5} {'gather':>6} {'model':>6} {'p-eval':>6} {'gen':>5} {'verify':>6} {'graph':>5} "
    f"{'total':>6} {'bare':>5} {'tot/bare':>8} {'prompt tok':>11} {'eval':>5} {'out':>4} {'linked':>7} {'none':>5}"
)


def row(name: str, t: BundleTiming | dict[str, float], ratio: float) -> str:
    v = asdict(t) if isinstance(t, BundleTiming) else t
    prompt = f"{v['before_tokens']:.0f}>{v['prompt_tokens']:.0f}"
    linked = f"{v['linked_shown']:.0f}/{v['linked_total']:.0f}"
    absent = f"{v['absent_shown']:.0f}/{v['absent_total']:.0f}"
    return (
        f"{name[:24]:<24} {v['load']:5.2f} {v['gather']:6.2f} {v['model']:6.1f} {v['prompt_eval']:6.1f} "
        f"{v['generate']:5.1f} {v['verify']:6.3f} {v['graph']:5.2f} {v['total']:6.1f} {v['bare']:5.1f} "
        f"{ratio:7.2f}x {prompt:>11} {v['evaluated_tokens']:5.0f} {v['draft_tokens']:4.0f} {linked:>7} {absent:>5}"
    )


def report(timings: list[BundleTiming]) -> None:
    numeric = [k for k, v in asdict(timings[0]).items() if isinstance(v, int | float)]
    totals = {f: sum(getattr(t, f) for t in timings) for f in numeric}
    print("-" * len(HEADER))
    print(row(f"TOTAL ({len(timings)} bundles)", totals, totals["total"] / totals["bare"] if totals["bare"] else 0))
    walls = [t.total for t in timings]
    print(
        f"\nWall per bundle (summarize, model loaded): p50 {statistics.median(walls):.1f} s, "
        f"max {max(walls):.1f} s ({max(timings, key=lambda t: t.total).bundle}), mean {statistics.mean(walls):.1f} s"
    )
    demo = [t for t in timings if t.bundle == DEMO_BUNDLE]
    if demo:
        print(f"Demo bundle ({DEMO_BUNDLE}): {demo[0].total:.1f} s")
    before = [t.before_tokens for t in timings]
    after = [t.prompt_tokens for t in timings]
    print(
        f"Synopsis prompt tokens, before -> after: median {statistics.median(before):.0f} -> "
        f"{statistics.median(after):.0f}, max {max(before)} -> {max(after)} "
        f"(after / before {sum(after) / sum(before):.2f})"
    )
    linked, held = totals["linked_shown"], totals["linked_total"]
    complete = sum(t.linked_shown == t.linked_total for t in timings)
    print(
        f"Problem-linked results in the prompt: {linked:.0f} of {held:.0f} ({100 * linked / max(1, held):.0f} %); "
        f"every one in {complete} of {len(timings)} bundles; searches for absent ones shown: "
        f"{totals['absent_shown']:.0f} of {totals['absent_total']:.0f}"
    )
    if totals["prompt_eval"] and totals["generate"]:
        evaluated, generated = totals["evaluated_tokens"], totals["draft_tokens"]
        print(
            f"Prompt evaluation {totals['prompt_eval']:.1f} s for {evaluated:.0f} tokens "
            f"({evaluated / totals['prompt_eval']:.0f} tok/s); generation {totals['generate']:.1f} s "
            f"for {generated:.0f} tokens ({generated / totals['generate']:.1f} tok/s)"
        )
    if totals["bare"]:
        ratios = [t.overhead for t in timings]
        print(
            f"Pipeline overhead = total / bare model time: {totals['total'] / totals['bare']:.2f}x overall; "
            f"per bundle median {statistics.median(ratios):.2f}x (min {min(ratios):.2f}x, max {max(ratios):.2f}x)"
        )
    share = ", ".join(
        f"{f} {100 * totals[f] / totals['total']:.1f}%" for f in ("load", "gather", "model", "verify", "graph")
    )
    print(f"Share of total wall time: {share}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundles", type=Path, default=DEFAULT_BUNDLES, help="folder of Synthea Bundle JSON files")
    parser.add_argument("--limit", type=int, default=None, help="first N bundles (sorted by name; default all)")
    parser.add_argument("--only", default=None, help="only bundles whose file name contains this")
    parser.add_argument("--no-guidelines", action="store_true", help="summaries without guideline retrieval")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare-model baseline call")
    parser.add_argument("--json", type=Path, default=None, help="also write the per-bundle figures here")
    args = parser.parse_args()
    bundles = [p for p in sorted(args.bundles.glob("*.json")) if not args.only or args.only in p.name][: args.limit]
    if not bundles:
        raise SystemExit(f"no bundles in {args.bundles}")
    settings = Settings.from_env()

    start = time.perf_counter()
    model = load_chat_model(settings)
    model.invoke([HumanMessage("Say OK.")])  # loads the weights
    print(f"model {settings.model}: load + warm-up {time.perf_counter() - start:.1f} s (once, not in the table)")
    retriever: Any = False
    if not args.no_guidelines:
        from medcite.corpora import open_guidelines

        start = time.perf_counter()
        retriever = open_guidelines(settings)
        print(f"guideline store: open {time.perf_counter() - start:.1f} s (once, not in the table)")
    print(f"{len(bundles)} bundles from {args.bundles}; seconds unless noted; audit logs in {settings.audit_dir}")
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs\n")

    print(HEADER)
    timings = []
    for path in bundles:
        timings.append(time_bundle(path, settings, model, retriever, bare=not args.no_bare))
        print(row(path.stem, timings[-1], timings[-1].overhead), flush=True)
    report(timings)
    print(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        args.json.write_text(json.dumps([asdict(t) | {"overhead": t.overhead} for t in timings], indent=2) + "\n")


if __name__ == "__main__":
    main()
