"""FHIR local loading and context size on the Synthea bundles.

1. Load + validate + index time of the largest bundle against bare ``json.loads`` of the same file
   (median of repeated warm runs; the ratio is the cost of validation, reference resolution and indexing).
2. Tokens of the compact patient context against the raw bundle JSON (SmolLM2 tokenizer), for the
   largest bundle and across all bundles.

Usage: ``python benchmarks/bench_fhir_load.py [--bundles DIR] [--repeat 7]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from tokens import TOKENIZER_NAME, count_tokens

from medcite.tools.fhir import LocalSource, render_patient_context

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MEDCITE_SHARED_DATA", ROOT.parent / "shared" / "data"))
DEFAULT_BUNDLES = SHARED / "fhir_synthea_r4" / "bundles"
AS_OF = date(2024, 1, 1)


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: imports, model classes, file cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundles", type=Path, default=DEFAULT_BUNDLES, help="folder of Bundle JSON files")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per measurement")
    args = parser.parse_args()
    bundles = sorted(args.bundles.glob("*.json"))
    if not bundles:
        raise SystemExit(f"no bundles in {args.bundles}")
    largest = max(bundles, key=lambda p: p.stat().st_size)

    print(f"Largest bundle: {largest.name} ({largest.stat().st_size / 1e6:.2f} MB)")
    bare = median_seconds(lambda: json.loads(largest.read_text()), args.repeat)
    loaded = median_seconds(lambda: LocalSource.from_paths(largest), args.repeat)
    print(f"  json.loads (read + parse):               {bare * 1000:8.1f} ms")
    print(f"  LocalSource (parse+resolve+R4B+index):   {loaded * 1000:8.1f} ms")
    print(f"  ratio load+index / json.loads:           {loaded / bare:8.1f}x")

    bare_all = median_seconds(lambda: [json.loads(p.read_text()) for p in bundles], max(1, args.repeat // 3))
    loaded_all = median_seconds(lambda: LocalSource.from_paths(args.bundles), max(1, args.repeat // 3))
    print(
        f"All {len(bundles)} bundles ({sum(p.stat().st_size for p in bundles) / 1e6:.1f} MB): "
        f"json.loads {bare_all:.2f} s, LocalSource {loaded_all:.2f} s, ratio {loaded_all / bare_all:.1f}x"
    )

    print(f"\nTokens ({TOKENIZER_NAME}): compact context vs raw bundle JSON")
    ratios = {}
    for bundle in bundles:
        source = LocalSource.from_paths(bundle)
        (patient_id,) = source.patient_ids()
        raw_tokens = count_tokens(bundle.read_bytes())
        context_tokens = count_tokens(render_patient_context(source, patient_id, AS_OF))
        ratios[bundle.name] = (raw_tokens, context_tokens, raw_tokens / context_tokens)
    raw_tokens, context_tokens, ratio = ratios[largest.name]
    print(f"  largest: raw {raw_tokens} tokens, context {context_tokens} tokens, ratio {ratio:.1f}x")
    all_ratios = [r for _, _, r in ratios.values()]
    total_raw = sum(r for r, _, _ in ratios.values())
    total_ctx = sum(c for _, c, _ in ratios.values())
    print(
        f"  all {len(bundles)}: raw {total_raw} tokens, context {total_ctx} tokens, "
        f"overall {total_raw / total_ctx:.1f}x; per bundle min {min(all_ratios):.1f}x, "
        f"median {statistics.median(all_ratios):.1f}x, max {max(all_ratios):.1f}x"
    )


if __name__ == "__main__":
    main()
