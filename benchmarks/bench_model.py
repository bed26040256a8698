"""Default model on this machine: load time, prompt and generation tokens/s, and the cost of constrained
(JSON-schema grammar) decoding relative to free decoding in the same run.

    python benchmarks/bench_model.py [--model llamacpp:smollm2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from langchain_core.messages import HumanMessage

from medcite.agent.models import load_chat_model
from medcite.agent.structured_draft import draft_schema
from medcite.core.settings import Settings

PROMPT = (
    "Evidence:\n"
    + "\n".join(
        f"[Observation/o{i}] 2020-01-{i + 1:02d} Hemoglobin A1c (LOINC 4548-4): {6 + i / 10:.1f} %" for i in range(25)
    )
    + "\nQuestion: summarize the trend of the hemoglobin A1c values in three sentences."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="llamacpp:smollm2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    args = parser.parse_args()

    settings = Settings.from_env(model=args.model, max_new_tokens=args.max_new_tokens)
    started = time.perf_counter()
    model = load_chat_model(settings)
    model.invoke("Hi")  # the backend loads weights lazily: include the first call
    load_s = time.perf_counter() - started
    print(f"model {args.model}: load + first call {load_s:.2f} s")

    schema = draft_schema([f"Observation/o{i}" for i in range(25)])
    rows = {}
    for label, runnable in (("free", model), ("constrained", model.bind(json_schema=schema))):
        times, out_tokens, in_tokens = [], [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            msg = runnable.invoke([HumanMessage(PROMPT)])
            times.append(time.perf_counter() - t)
            usage = msg.usage_metadata or {"input_tokens": 0, "output_tokens": 0}
            in_tokens.append(usage["input_tokens"])
            out_tokens.append(usage["output_tokens"])
        wall = statistics.median(times)
        tokens = statistics.median(out_tokens)
        rows[label] = wall / max(tokens, 1)
        print(
            f"{label:12s} prompt {in_tokens[0]} tok, output {tokens:.0f} tok, median {wall:.2f} s, "
            f"{tokens / wall:.1f} output tok/s (incl. prompt)"
        )
    print(f"constrained / free seconds per output token: {rows['constrained'] / rows['free']:.2f}x")


if __name__ == "__main__":
    main()
