"""Malformed input made from the real Synthea bundles, through the loader (``LocalSource``): every input
gets a load report or a one-paragraph error naming the file (and entry and field where there is one);
nothing raises anything else. A property test mixes record edits at random."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medcite.core.errors import InputError
from medcite.tools.fhir import LocalSource
from tests.fuzz import tally
from tests.fuzz.mutations import CATEGORIES, COMPOSABLE, MUTANTS, Base, Mutant, dump, to_ndjson


@dataclass
class Outcome:
    kind: str  # "loaded" | "report" | "error"
    text: str  # the error, or the load report's issues one per line
    source: LocalSource | None = None


def load(path: Path) -> Outcome:
    """Load one file and check the shape of what comes back; anything but InputError propagates."""
    try:
        source = LocalSource.from_paths(path)
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message and message.startswith(str(path)), message
        return Outcome("error", message)
    for issue in source.report.issues:
        assert issue.where.startswith(str(path)) and re.search(r" (entry\[\d+\]|line \d+)$", issue.where), issue
        assert issue.message and "\n" not in issue.message, issue
    issues = "\n".join(str(i) for i in source.report.issues)
    return Outcome("report" if issues else "loaded", issues, source)


def test_the_catalogue_covers_every_category_with_over_100_inputs() -> None:
    assert len(MUTANTS) >= 100 and len({m.id for m in MUTANTS}) == len(MUTANTS)
    assert len(CATEGORIES) == 15
    assert all(m.pattern for m in MUTANTS if m.expect != "loaded")


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_loader_reports_or_refuses_every_malformed_input(
    mutant: Mutant, written: Callable[[Mutant], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = written(mutant)
    for name, value in mutant.env.items():
        monkeypatch.setenv(name, value)
    try:
        outcome = load(path)
    except Exception:
        tally.record("load (LocalSource)", mutant.category, "failure")
        raise
    tally.record("load (LocalSource)", mutant.category, outcome.kind)
    assert outcome.kind == mutant.expect, outcome.text[:2000]
    if mutant.pattern:
        assert re.search(mutant.pattern, outcome.text), outcome.text[:2000]
    if outcome.source is not None:
        assert outcome.source.report.resources > 0 or outcome.source.report.issues


def test_truncated_text_is_marked_in_the_resource(bases: list[Base], tmp_path: Path) -> None:
    b = bases[0].copy()
    patient = next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["name"][0]["family"] = "A" * 30_000
    path = tmp_path / "long.json"
    path.write_bytes(dump(b))
    source = LocalSource.from_paths(path)
    family = source.read("Patient", patient["id"])["name"][0]["family"]  # type: ignore[index]
    assert family == "A" * 20_000 + " [… truncated: 10,000 more characters not shown]"
    (issue,) = source.report.issues
    assert issue.severity == "warning" and issue.key == f"Patient/{patient['id']}" and source.report.complete


def test_identical_and_conflicting_duplicates_across_files_name_both_entries(bases: list[Base], tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    b = bases[0].copy()
    first.write_bytes(dump(b))
    obs = next(e["resource"] for e in b["entry"] if "valueQuantity" in e["resource"])
    obs["valueQuantity"]["value"] = 999
    second.write_bytes(dump(b))
    report = LocalSource.from_paths([first, second]).report
    (conflict,) = report.excluded
    assert conflict.key == f"Observation/{obs['id']}" and conflict.where.startswith(f"{second} entry[")
    assert f"already read from {first} entry[" in conflict.message
    assert "first difference at Observation.valueQuantity.value" in conflict.message
    repeats = [i for i in report.issues if i.severity == "warning"]
    assert len(repeats) == len(b["entry"]) - 1 and all("identical content; read once" in i.message for i in repeats)


# -- random mixes of record edits ---------------------------------------------------------------------


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    edits=st.lists(st.tuples(st.sampled_from(COMPOSABLE), st.integers(0, 2**16)), min_size=1, max_size=4),
    base_index=st.integers(0, 2),
    cut=st.one_of(st.none(), st.floats(0.0, 1.0)),
    as_ndjson=st.booleans(),
)
def test_any_mix_of_edits_gets_a_report_or_a_clean_error(
    bases: list[Base],
    tmp_path_factory: pytest.TempPathFactory,
    edits: list[tuple[Callable[[dict[str, object], random.Random], None], int]],
    base_index: int,
    cut: float | None,
    as_ndjson: bool,
) -> None:
    b = bases[base_index].copy()
    for edit, seed in edits:
        edit(b, random.Random(seed))
    data = ("\n".join(to_ndjson(b)) + "\n").encode() if as_ndjson and b["entry"] else json.dumps(b).encode()
    if cut is not None:
        data = data[: int(len(data) * cut)]
    path = tmp_path_factory.getbasetemp() / f"mix{'.ndjson' if as_ndjson else '.json'}"
    path.write_bytes(data)
    try:
        outcome = load(path)
    except Exception:
        tally.record("load (LocalSource)", "random_mix", "failure")
        raise
    tally.record("load (LocalSource)", "random_mix", outcome.kind)
