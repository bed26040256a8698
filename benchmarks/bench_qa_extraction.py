"""Answer extraction (``evals/qa/extract.py``) on the labelled replies of capable models, per split.

The rules were tuned on the dev half; the test half is the reported number.
Usage: ``python benchmarks/bench_qa_extraction.py [--show dev|test]`` (``--show`` lists the misses).
"""

from __future__ import annotations

import argparse

from qa_reply_set import load_replies, score

from medcite.evals.qa.extract import extract_choice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", choices=("dev", "test"), help="print the replies of this split read wrongly")
    args = parser.parse_args()
    replies = load_replies()
    scores = score(replies)
    print(f"{'split':6s} {'n':>4s} {'accuracy':>9s} {'missed':>7s} {'wrong':>6s} {'cut-off misreads':>17s}")
    for name, s in scores.items():
        print(
            f"{name:6s} {s.n:4d} {s.accuracy:9.3f} {len(s.missed):7d} {len(s.wrong):6d} {len(s.cut_off_misreads):17d}"
        )
    if args.show:
        s = scores[args.show]
        by_id = {r.id: r for r in replies}
        for label, ids in (("missed", s.missed), ("wrong", s.wrong), ("cut-off misread", s.cut_off_misreads)):
            for rid in ids:
                r = by_id[rid]
                got = extract_choice(r.reply, r.options)
                print(f"\n[{label}] {rid} ({r.style}) expected {r.expected}, read {got.letter} by {got.method}")
                print("  " + r.reply.replace("\n", "\n  "))


if __name__ == "__main__":
    main()
