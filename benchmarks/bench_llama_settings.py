"""llama.cpp settings of the embedded model, measured in one run: prompt reuse, threads, flash attention.

Prompt reuse: a tool-choice prompt as the reason node builds it (system prompt, tool list, a patient's record
lines, a question) is sent once; a second request with the same prefix and another question is then timed with
reuse on (the prefix comes from the first request) and off (every token evaluated again). The replies must be the
same text. Threads: prompt evaluation and generation tokens/s (llama.cpp's own counters) for generation/prompt
thread pairs. Flash attention: the same, on and off. Each configuration loads its own model.

    python benchmarks/bench_llama_settings.py [--bundle PATH] [--repeats 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from llama_perf import llama_counters

from medcite.agent.models.llamacpp import LlamaCppChatModel, resolve_gguf
from medcite.agent.prompts import load_prompt
from medcite.tools.fhir import make_fhir_tools, open_source, patient_sections

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT.parent / "shared" / "data" / "fhir_synthea_r4" / "bundles"
QUESTIONS = ("What is the latest blood pressure?", "Which medications is the patient taking?")


def record_prompt(bundle: Path, question: str, lines: int = 40) -> list[Any]:
    """System prompt, then record lines and the question; the tool list is added by the bound model."""
    source = open_source(str(bundle))
    (patient_id, *_) = source.patient_ids()
    evidence = "\n".join(e.text for e in patient_sections(source, patient_id).evidence()[:lines])
    body = f"<evidence>\n{evidence}\n</evidence>\nQuestion: {question}"
    return [SystemMessage(load_prompt("system")), HumanMessage(body)]


class Bench:
    """The embedded model with the patient's FHIR tools bound, as the reason node calls it."""

    def __init__(self, bundle: Path, **kwargs: Any) -> None:
        self.model = LlamaCppChatModel(
            model_path=str(resolve_gguf("smollm2")), max_tokens=64, preflight=False, **kwargs
        )
        source = open_source(str(bundle))
        (patient_id, *_) = source.patient_ids()
        self.bound = self.model.bind_tools(make_fhir_tools(source, patient_id))

    def invoke(self, messages: list[Any]) -> Any:
        return self.bound.invoke(messages)


def timed(m: Bench, messages: list[Any]) -> tuple[float, str, int]:
    start = time.perf_counter()
    reply = m.invoke(messages)
    seconds = time.perf_counter() - start
    details: dict[str, Any] = dict((reply.usage_metadata or {}).get("input_token_details") or {})
    return seconds, f"{reply.content}{reply.tool_calls}", int(details.get("cache_read") or 0)


def prompt_reuse(bundle: Path, repeats: int) -> None:
    first, second = (record_prompt(bundle, q) for q in QUESTIONS)
    rows: dict[bool, list[float]] = {True: [], False: []}
    replies: dict[bool, str] = {}
    reused = 0
    for _ in range(repeats):
        for reuse in (True, False):
            m = Bench(bundle, reuse_prompts=reuse)
            m.invoke(first)
            seconds, replies[reuse], cached = timed(m, second)
            rows[reuse].append(seconds)
            reused = max(reused, cached) if reuse else reused
    on, off = statistics.median(rows[True]), statistics.median(rows[False])
    print("prompt reuse (second request, same system prompt, tools and record lines; another question)")
    print(f"  reuse on : {on:6.2f} s   ({reused} prompt tokens reused)")
    print(f"  reuse off: {off:6.2f} s")
    print(f"  ratio on/off {on / off:.2f}; replies identical: {replies[True] == replies[False]}")


def tokens_per_s(bundle: Path, repeats: int, **kwargs: Any) -> tuple[float, float]:
    messages = record_prompt(bundle, QUESTIONS[0])
    m = Bench(bundle, reuse_prompts=False, **kwargs)
    m.invoke(messages)  # warm-up
    p_rates, g_rates = [], []
    for _ in range(repeats):
        llama_counters(m.model, reset=True)
        m.invoke(messages)
        c = llama_counters(m.model)
        p_rates.append(c.prompt_tokens / c.prompt_s if c.prompt_s else 0.0)
        g_rates.append(c.gen_tokens / c.gen_s if c.gen_s else 0.0)
    return statistics.median(p_rates), statistics.median(g_rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundle", type=Path, default=next(iter(sorted(DEMO.glob("Patria_Schimmel*.json"))), None))
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    cpus = os.cpu_count() or 2
    print(f"bundle {args.bundle.name}; {cpus} CPUs; SmolLM2-135M Q4_1; each line: median of {args.repeats}\n")
    prompt_reuse(args.bundle, args.repeats)
    print("\nthreads (generation / prompt evaluation): prompt tok/s, generation tok/s")
    pairs = sorted({(max(1, cpus // 2), cpus), (cpus, cpus), (1, 1), (max(1, cpus // 2), max(1, cpus // 2))})
    for gen, batch in pairs:
        p, g = tokens_per_s(args.bundle, args.repeats, n_threads=gen, n_threads_batch=batch)
        print(f"  {gen}/{batch}: prompt {p:7.1f}  gen {g:6.1f}")
    print("\nflash attention: prompt tok/s, generation tok/s")
    for flash in (False, True):
        p, g = tokens_per_s(args.bundle, args.repeats, flash_attn=flash)
        print(f"  flash_attn={flash!s:5}: prompt {p:7.1f}  gen {g:6.1f}")


if __name__ == "__main__":
    main()
