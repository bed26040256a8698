"""Precision of the guideline lines a summary shows for each active problem, on the shared bundles.

For every bundle (both Synthea folders) the first active problems (as many as a summary takes) are
looked up two ways:

- ``baseline``: the summary's former lookup, "<problem> screening management recommendation", 2 passages
  per problem, no population filter;
- ``problems``: ``guidance_for_problems`` (problem name, population filter, section preference,
  relevance floor, no topic twice).

A line is correct when its (problem, passage) pair is labelled relevant in
``benchmarks/data/problem_guideline_labels.jsonl`` and the passage's population admits the patient.
Problems are split by a seeded shuffle into a development half (where the floor was chosen) and a
test half; precision is printed for each. ``--unlabelled FILE`` writes the pairs that still need a
label; ``--floor`` and ``--sweep`` try other floors on the development half.

Usage: ``python benchmarks/bench_problem_guidelines.py [--sweep] [--unlabelled FILE]``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from medcite.agent.planner import summary_k_per_problem, summary_problems
from medcite.core.evidence import ConditionFact
from medcite.core.settings import Settings
from medcite.corpora import open_guidelines
from medcite.tools.caregaps import care_gaps
from medcite.tools.fhir import facts, open_source
from medcite.tools.retrieval import GuidelineRetriever
from medcite.tools.retrieval.passage import Passage
from medcite.tools.retrieval.population import Population
from medcite.tools.retrieval.problems import RELEVANCE_FLOOR, guidance_for_problems, problem_query

ROOT = Path(__file__).resolve().parent
LABELS = ROOT / "data" / "problem_guideline_labels.jsonl"
SHARED = ROOT.parent.parent / "shared" / "data"
FOLDERS = ("fhir_synthea_r4", "fhir_synthea_qicore_notes")
TODAY = date(2026, 11, 30)  # fixed, so the as-of dates (and ages) do not move with the calendar
SPLIT_SEED = 7
BASELINE_QUERY = "{} screening management recommendation"  # the summary's former lookup


@dataclass(frozen=True)
class Line:
    bundle: str
    problem: str
    passage: Passage
    admitted: bool


@dataclass(frozen=True)
class Patient:
    bundle: str
    population: Population
    problems: list[str]


def patients(shared: Path) -> list[Patient]:
    out = []
    for folder in FOLDERS:
        for path in sorted((shared / folder / "bundles").glob("*.json")):
            source = open_source(path)
            pid = source.patient_ids()[0]
            report = care_gaps(source, pid, today=TODAY)
            sex = report.sex if report.sex in ("female", "male") else None
            population = Population(sex=sex, age=report.age, pregnant=report.pregnant)  # type: ignore[arg-type]
            conditions = facts.conditions(source, pid, "active")
            names = [e.fact.code.display or "" for e in conditions if isinstance(e.fact, ConditionFact)]
            out.append(Patient(path.name, population, summary_problems(names)))
    return out


def baseline_lines(retriever: GuidelineRetriever, patient: Patient) -> list[Line]:
    k = summary_k_per_problem()
    lines = []
    for name in patient.problems:
        for hit in retriever.search(BASELINE_QUERY.format(name), k):
            lines.append(Line(patient.bundle, name, hit.passage, patient.population.admits(hit.passage)))
    return lines


def problem_lines(retriever: GuidelineRetriever, patient: Patient, floor: float) -> tuple[list[Line], list[str]]:
    """The lines shown, and the problems that got 'no guideline in the corpus'."""
    lines, none = [], []
    for g in guidance_for_problems(retriever, patient.problems, patient.population, floor=floor):
        if not g.found:
            none.append(g.problem)
        lines += [Line(patient.bundle, g.problem, h.passage, patient.population.admits(h.passage)) for h in g.hits]
    return lines, none


def load_labels(path: Path = LABELS) -> dict[tuple[str, str], bool]:
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            labels[(problem_query(row["problem"]), row["passage"])] = bool(row["relevant"])
    return labels


def halves(problems: Iterable[str]) -> tuple[set[str], set[str]]:
    names = sorted({problem_query(p) for p in problems})
    random.Random(SPLIT_SEED).shuffle(names)
    return set(names[: len(names) // 2]), set(names[len(names) // 2 :])


def precision(lines: list[Line], labels: dict[tuple[str, str], bool], keep: set[str]) -> tuple[int, int, int]:
    """(correct, shown, unlabelled) over lines whose problem is in ``keep``."""
    shown = [ln for ln in lines if problem_query(ln.problem) in keep]
    keys = [(problem_query(ln.problem), ln.passage.id) for ln in shown]
    unlabelled = sum(1 for k in keys if k not in labels)
    correct = sum(1 for ln, k in zip(shown, keys, strict=True) if labels.get(k) and ln.admitted)
    return correct, len(shown), unlabelled


def _ratio(c: int, n: int) -> str:
    return f"{c}/{n} = {c / n:.3f}" if n else "0/0"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floor", type=float, default=RELEVANCE_FLOOR)
    parser.add_argument("--sweep", action="store_true", help="precision on the development half for several floors")
    parser.add_argument("--unlabelled", type=Path, help="write (problem, passage) pairs without a label here")
    parser.add_argument("--shared-data", type=Path, default=SHARED)
    args = parser.parse_args()
    retriever = open_guidelines(Settings.from_env())
    people = patients(args.shared_data)
    labels = load_labels() if LABELS.is_file() else {}
    dev, test = halves(p for person in people for p in person.problems)
    base = [ln for person in people for ln in baseline_lines(retriever, person)]
    floors = [0.5, 0.55, 0.6, 0.65, 0.7] if args.sweep else [args.floor]
    runs = {}
    for floor in floors:
        shown: list[Line] = []
        none: list[str] = []
        for person in people:
            lines, missing = problem_lines(retriever, person, floor)
            shown += lines
            none += missing
        runs[floor] = (shown, none)
    problems_total = sum(len(p.problems) for p in people)
    print(f"{len(people)} patients, {problems_total} active problems; {len(dev)} dev / {len(test)} test problem names")
    known = {problem for (problem, _), relevant in labels.items() if relevant}
    print("| lookup | floor | half | correct/shown | unlabelled | no guideline (a relevant passage is known) |")
    print("| --- | ---: | --- | --- | ---: | ---: |")
    for name, keep in (("dev", dev), ("test", test)):
        c, n, u = precision(base, labels, keep)
        print(f"| baseline | – | {name} | {_ratio(c, n)} | {u} | – |")
        for floor, (shown, none) in runs.items():
            c, n, u = precision(shown, labels, keep)
            empty = [problem_query(p) for p in none if problem_query(p) in keep]
            missed = sum(1 for p in empty if p in known)
            print(f"| problems | {floor:g} | {name} | {_ratio(c, n)} | {u} | {len(empty)} ({missed}) |")
    if args.unlabelled:
        pairs = {(ln.problem, ln.passage.id): ln for ln in base + [x for s, _ in runs.values() for x in s]}
        with args.unlabelled.open("w", encoding="utf-8") as fh:
            for (problem, pid), ln in sorted(pairs.items()):
                if (problem_query(problem), pid) not in labels:
                    p = ln.passage
                    row = {"problem": problem_query(problem), "passage": pid, "title": p.title, "section": p.section,
                           "text": p.text[:300], "relevant": None}
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote unlabelled pairs to {args.unlabelled}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
