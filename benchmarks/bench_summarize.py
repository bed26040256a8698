"""End-to-end ``summarize`` wall time per Synthea bundle with the configured (default: embedded) model, by stage.

Stages of one bundle, from the node durations in the run's audit JSONL:
  load    opening the FHIR source (parse, reference resolution, R4B validation, index) and picking the patient
  gather  the gather node (record sections; guideline retrieval unless --no-guidelines)
  model   the draft node (the model writes the synopsis)
  verify  the verify, flag and finalize nodes
  graph   the rest of the wall time: Assistant wiring, LangGraph, the (SQLite) checkpointer
Baseline, measured right after each bundle in the same process: the bare model call alone, ``model.invoke`` of
[system prompt, synopsis prompt] of the same size in characters as that run's draft prompt, capped at the same
number of output tokens as the draft produced (no JSON-schema constraint, no graph). Ratio: pipeline overhead =
total / bare model time. One-time costs (model load, guideline store) are reported apart.

Usage: ``python benchmarks/bench_summarize.py [--limit N] [--bundles DIR] [--no-guidelines] [--json PATH]``
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

from medcite.agent.assistant import Assistant
from medcite.agent.models import PromptedToolChatModel, load_chat_model
from medcite.agent.prompts import load_prompt
from medcite.core.settings import Settings
from medcite.tools.fhir import FhirSource, open_source, patient_sections, pick_patient

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MEDCITE_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEFAULT_BUNDLES = SHARED / "fhir_synthea_r4" / "bundles"
VERIFY_NODES = ("verify", "flag", "finalize")


@dataclass
class BundleTiming:
    bundle: str
    load: float
    gather: float
    model: float
    verify: float
    graph: float
    total: float
    bare: float
    prompt_chars: int
    prompt_tokens: int
    draft_tokens: int
    bare_prompt_tokens: int
    bare_tokens: int

    @property
    def overhead(self) -> float:
        return self.total / self.bare


def audit_events(settings: Settings, trace_id: str) -> list[dict[str, Any]]:
    path = settings.audit_dir / f"{trace_id}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def node_seconds(events: list[dict[str, Any]], *nodes: str) -> float:
    return sum(e["duration_s"] for e in events if e["event"] == "node_end" and e["node"] in nodes)


def same_size_prompt(source: FhirSource, patient_id: str, chars: int) -> list[SystemMessage | HumanMessage]:
    """[system, synopsis prompt] whose contents total ``chars`` characters, filled with the bundle's own lines.

    The lines go in reverse order so that llama.cpp's prompt cache cannot reuse the draft's evidence prefix."""
    system = load_prompt("system")
    template = load_prompt("synopsis")
    room = max(0, chars - len(system) - len(template) + len("{evidence}"))
    texts = [e.text for e in patient_sections(source, patient_id).evidence()][::-1]
    lines = "\n".join(texts) or "no record lines"
    evidence = (lines * (room // len(lines) + 1))[:room]
    return [SystemMessage(system), HumanMessage(template.format(evidence=evidence))]


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


def time_bundle(path: Path, settings: Settings, model: PromptedToolChatModel, retriever: Any) -> BundleTiming:
    start = time.perf_counter()
    source = open_source(path, settings)
    patient_id = pick_patient(source, None)
    load = time.perf_counter() - start
    answer = Assistant(
        source=source, patient_id=patient_id, settings=settings, model=model, retriever=retriever
    ).summarize()
    total = time.perf_counter() - start
    events = audit_events(settings, answer.trace_id)
    (draft_call,) = [e for e in events if e["event"] == "model_call"]
    usage = draft_call.get("usage") or {}
    draft_tokens = int(usage.get("output_tokens", 0))
    gather, model_s, verify = (
        node_seconds(events, "gather"),
        node_seconds(events, "draft"),
        node_seconds(events, *VERIFY_NODES),
    )
    bare, bare_prompt_tokens, bare_tokens = bare_call(
        model, same_size_prompt(source, patient_id, draft_call["prompt_chars"]), draft_tokens
    )
    return BundleTiming(
        bundle=path.stem,
        load=load,
        gather=gather,
        model=model_s,
        verify=verify,
        graph=total - load - gather - model_s - verify,
        total=total,
        bare=bare,
        prompt_chars=draft_call["prompt_chars"],
        prompt_tokens=int(usage.get("input_tokens", 0)),
        draft_tokens=draft_tokens,
        bare_prompt_tokens=bare_prompt_tokens,
        bare_tokens=bare_tokens,
    )


HEADER = (
    f"{'bundle':<28} {'load':>6} {'gather':>6} {'model':>6} {'verify':>6} {'graph':>6} {'total':>7} "
    f"{'bare':>6} {'total/bare':>10} {'in tok d/b':>11} {'out d/b':>9}"
)


def row(name: str, t: BundleTiming | dict[str, float], ratio: float) -> str:
    v = asdict(t) if isinstance(t, BundleTiming) else t
    prompt = f"{v['prompt_tokens']:.0f}/{v['bare_prompt_tokens']:.0f}"
    tokens = f"{v['draft_tokens']:.0f}/{v['bare_tokens']:.0f}"
    return (
        f"{name[:28]:<28} {v['load']:6.2f} {v['gather']:6.2f} {v['model']:6.1f} {v['verify']:6.3f} {v['graph']:6.2f} "
        f"{v['total']:7.1f} {v['bare']:6.1f} {ratio:9.2f}x {prompt:>11} {tokens:>9}"
    )


def report(timings: list[BundleTiming]) -> None:
    fields = (
        "load",
        "gather",
        "model",
        "verify",
        "graph",
        "total",
        "bare",
        "prompt_tokens",
        "draft_tokens",
        "bare_prompt_tokens",
        "bare_tokens",
    )
    totals = {f: sum(getattr(t, f) for t in timings) for f in fields}
    print("-" * len(HEADER))
    print(row(f"TOTAL ({len(timings)} bundles)", totals, totals["total"] / totals["bare"]))
    ratios = [t.overhead for t in timings]
    print(
        f"\nPipeline overhead = total / bare model time: {totals['total'] / totals['bare']:.2f}x overall; "
        f"per bundle median {statistics.median(ratios):.2f}x (min {min(ratios):.2f}x, max {max(ratios):.2f}x)"
    )
    share = ", ".join(
        f"{f} {100 * totals[f] / totals['total']:.1f}%" for f in ("load", "gather", "model", "verify", "graph")
    )
    print(f"Share of total wall time: {share}")
    print(
        f"Mean per bundle: {totals['total'] / len(timings):.1f} s end to end, "
        f"{totals['bare'] / len(timings):.1f} s bare model"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundles", type=Path, default=DEFAULT_BUNDLES, help="folder of Synthea Bundle JSON files")
    parser.add_argument("--limit", type=int, default=None, help="first N bundles (sorted by name; default all)")
    parser.add_argument("--no-guidelines", action="store_true", help="summaries without guideline retrieval")
    parser.add_argument("--json", type=Path, default=None, help="also write the per-bundle figures here")
    args = parser.parse_args()
    bundles = sorted(args.bundles.glob("*.json"))[: args.limit]
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
    print(f"{len(bundles)} bundles from {args.bundles}; seconds unless noted; audit logs in {settings.audit_dir}\n")

    print(HEADER)
    timings = []
    for path in bundles:
        timings.append(time_bundle(path, settings, model, retriever))
        print(row(path.stem, timings[-1], timings[-1].overhead), flush=True)
    report(timings)
    if args.json:
        args.json.write_text(json.dumps([asdict(t) | {"overhead": t.overhead} for t in timings], indent=2) + "\n")


if __name__ == "__main__":
    main()
