"""The malformed inputs through the commands: ``medcite fhir show`` for every one, ``summarize`` and ``ask``
for one or two of each category. Every run ends with output (and the load report on stderr) or one
``medcite: error:`` line naming the file; never a traceback, never half an output folder.

``summarize``/``ask`` use the named scripted model (tests/fakes.py): the point here is the input
handling, not the model; ``test_fuzz_real_model.py`` runs a few with the embedded model end to end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from medcite.cli import main
from tests.fakes import FakeScriptedChatModel
from tests.fuzz import tally
from tests.fuzz.mutations import CATEGORIES, MUTANTS, Mutant

SYNOPSIS = "The record lists the problems, medications and results shown below."


def run_cli(capsys: pytest.CaptureFixture[str], surface: str, mutant: Mutant, *argv: str) -> tuple[int, str, str]:
    """Run one command in-process; tally its outcome (a traceback is tallied, then fails the test)."""
    try:
        code = main(list(argv))
    except BaseException:
        tally.record(surface, mutant.category, "traceback")
        raise
    out, err = capsys.readouterr()
    assert "Traceback" not in err and code in (0, 2), (code, err[-2000:])
    lines = [line for line in err.splitlines() if line]
    assert all(line.startswith("medcite: ") for line in lines), err[-2000:]  # the load report, then any error
    if code == 2:
        assert lines[-1].startswith("medcite: error: ") and mutant.file_name in lines[-1], err[-2000:]
        tally.record(surface, mutant.category, "error")
    else:
        tally.record(surface, mutant.category, "output + report" if err else "output")
    return code, out, err


def settings_env(mutant: Mutant, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"MEDCITE_MAX_STEPS": "0", **mutant.env}.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_fhir_show_prints_the_record_or_one_error_line(
    mutant: Mutant,
    written: Callable[[Mutant], Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings_env(mutant, monkeypatch)
    code, out, err = run_cli(
        capsys, "medcite fhir show", mutant, "fhir", "show", str(written(mutant)), "--as-of", "2024-01-01"
    )
    if code == 0:
        assert out.startswith("Patient\n[Patient/") and out.rstrip().endswith("not a medical device._")
    if mutant.expect == "report" and code == 0:
        assert err, "the load report is printed on stderr"


def _sample() -> list[Mutant]:
    """Per category: the first input the loader accepts and the first it refuses."""
    picked = []
    for category in CATEGORIES:
        of_category = [m for m in MUTANTS if m.category == category]
        picked += [
            m
            for m in (
                next((m for m in of_category if m.expect != "error"), None),
                next((m for m in of_category if m.expect == "error"), None),
            )
            if m
        ]
    return picked


SAMPLE = _sample()


@pytest.fixture
def scripted_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Assistant gets the named scripted model instead of loading one."""

    def load(*args: Any, **kwargs: Any) -> FakeScriptedChatModel:
        return FakeScriptedChatModel(outputs=[SYNOPSIS] * 4)

    monkeypatch.setattr("medcite.agent.assistant.load_chat_model", load)


@pytest.mark.usefixtures("scripted_model")
@pytest.mark.parametrize("mutant", SAMPLE, ids=lambda m: m.id)
def test_summarize_writes_every_output_or_nothing(
    mutant: Mutant,
    written: Callable[[Mutant], Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings_env(mutant, monkeypatch)
    out_dir = tmp_path / "out"
    code, out, _ = run_cli(
        capsys,
        "medcite summarize --out",
        mutant,
        "summarize",
        str(written(mutant)),
        "--no-guidelines",
        "--out",
        str(out_dir),
    )
    if code != 0:
        assert not out_dir.exists()
        return
    assert sorted(p.name for p in out_dir.iterdir()) == ["summary.fhir.json", "summary.json", "summary.md"]
    assert out.count("wrote ") == 3
    for name in ("summary.json", "summary.fhir.json"):  # strict JSON: no NaN or Infinity slipped through
        json.loads((out_dir / name).read_text(encoding="utf-8"), parse_constant=_refuse)
    assert (out_dir / "summary.md").read_text(encoding="utf-8").startswith("#")


@pytest.mark.usefixtures("scripted_model")
@pytest.mark.parametrize("mutant", SAMPLE, ids=lambda m: m.id)
def test_ask_answers_or_refuses_in_one_line(
    mutant: Mutant,
    written: Callable[[Mutant], Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings_env(mutant, monkeypatch)
    code, out, _ = run_cli(
        capsys,
        "medcite ask",
        mutant,
        "ask",
        "What is the latest blood pressure?",
        "--bundle",
        str(written(mutant)),
        "--no-guidelines",
    )
    if code == 0:
        assert "not a medical device" in out


def _refuse(literal: str) -> None:
    raise AssertionError(f"{literal} in JSON output")
