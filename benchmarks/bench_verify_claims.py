"""Claim verification on the labelled sentence set (``tests/data/claims/claims.jsonl``): kept-correct and
caught-incorrect per class and overall, for the dev and test halves, and milliseconds per sentence.

Each sentence is checked against the evidence the gather node collects for its bundle (``summary``: every record
section; ``ask``: the planned calls for its question), see ``claims_evidence.py``. A correct sentence counts as
kept when the verifier keeps it as fact; an incorrect one counts as caught when it is removed or flagged.
Verification time is the verifier alone (evidence gathering excluded), the median of ``--repeat`` passes.

Usage: ``python benchmarks/bench_verify_claims.py [--split dev|test|all] [--errors] [--json PATH]``
(``--errors`` lists the dev sentences the verifier gets wrong; it never lists test sentences.)
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from claims_evidence import CLAIMS, gathered

from medcite.agent.verify import verify_draft

CORRECT_ORDER = (
    "exact",
    "rounded",
    "unit_variant",
    "month_date",
    "abbreviation",
    "paraphrase",
    "drug_class",
    "multi_key",
    "negative_statement",
    "abstention",
    "derived_value",
)
INCORRECT_ORDER = (
    "wrong_value",
    "wrong_date",
    "unknown_key",
    "wrong_line",
    "older_as_latest",
    "wrong_trend",
    "unsupported_judgement",
    "absent_entity",
    "fabricated_answer",
    "wrong_status",
)


@dataclass
class Outcome:
    id: str
    split: str
    label: str
    cls: str
    kept: bool
    statuses: list[str]
    problems: list[str]

    @property
    def right(self) -> bool:
        return self.kept == (self.label == "correct")


def load_claims(path: Path = CLAIMS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check(claim: dict[str, Any]) -> Outcome:
    evidence = gathered(claim["bundle"], claim["mode"], claim.get("question") or "")
    _, checks = verify_draft(claim["sentence"], evidence)
    return Outcome(
        id=claim["id"],
        split=claim["split"],
        label=claim["label"],
        cls=claim["class"],
        kept=bool(checks) and all(c.kept for c in checks),
        statuses=[c.status for c in checks],
        problems=[p for c in checks for p in c.problems],
    )


def timed_pass(claims: list[dict[str, Any]]) -> tuple[list[Outcome], float]:
    started = time.perf_counter()
    outcomes = [check(c) for c in claims]
    return outcomes, time.perf_counter() - started


def rate(outcomes: list[Outcome]) -> str:
    if not outcomes:
        return "   -   "
    right = sum(o.right for o in outcomes)
    return f"{right:>3}/{len(outcomes):<3} {right / len(outcomes):5.2f}"


def table(outcomes: list[Outcome], splits: list[str]) -> list[str]:
    by = defaultdict(list)
    for o in outcomes:
        by[(o.split, o.cls)].append(o)
        by[(o.split, o.label)].append(o)
    head = f"{'class':<24}" + "".join(f"{s:>15}" for s in splits)
    lines = ["kept-correct (correct sentences kept as fact)", head]
    for cls in CORRECT_ORDER:
        lines.append(f"{cls:<24}" + "".join(f"{rate(by[(s, cls)]):>15}" for s in splits))
    lines.append(f"{'overall':<24}" + "".join(f"{rate(by[(s, 'correct')]):>15}" for s in splits))
    lines += ["", "caught-incorrect (incorrect sentences removed or flagged)", head]
    for cls in INCORRECT_ORDER:
        lines.append(f"{cls:<24}" + "".join(f"{rate(by[(s, cls)]):>15}" for s in splits))
    lines.append(f"{'overall':<24}" + "".join(f"{rate(by[(s, 'incorrect')]):>15}" for s in splits))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test", "all"], default="all")
    parser.add_argument("--errors", action="store_true", help="list the dev sentences the verifier gets wrong")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the set (median reported)")
    parser.add_argument("--json", type=Path, help="write every outcome and the timing here")
    args = parser.parse_args()

    claims = [c for c in load_claims() if args.split in ("all", c["split"])]
    splits = ["dev", "test"] if args.split == "all" else [args.split]
    started = time.perf_counter()
    for c in claims:
        gathered(c["bundle"], c["mode"], c.get("question") or "")
    gather_s = time.perf_counter() - started
    runs = [timed_pass(claims) for _ in range(max(1, args.repeat))]
    outcomes = runs[0][0]
    ms = statistics.median(r[1] for r in runs) * 1000 / len(claims)

    bundles = len({c["bundle"] for c in claims})
    print(f"{len(claims)} sentences over {bundles} bundles; evidence gathered in {gather_s:.1f} s")
    print("\n".join(table(outcomes, splits)))
    print(f"\nverification: {ms:.2f} ms per sentence (median of {len(runs)} passes)")
    if args.errors:
        print("\ndev sentences decided wrongly:")
        text = {c["id"]: c["sentence"] for c in claims}
        for o in outcomes:
            if o.split == "dev" and not o.right:
                print(f"- {o.id} [{o.label}] kept={o.kept} {o.statuses} {o.problems}\n    {text[o.id]}")
    if args.json:
        args.json.write_text(
            json.dumps({"ms_per_sentence": ms, "outcomes": [asdict(o) for o in outcomes]}, indent=1),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
