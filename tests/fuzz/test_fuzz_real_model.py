"""End to end in a child process with the embedded model (real llama.cpp, no guidelines): a repaired input
is answered with its load report on stderr; a refused one ends in one error line and writes nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz import tally
from tests.fuzz.mutations import Base, dump, duplicate, setter

pytestmark = pytest.mark.slow


def _medcite(*argv: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEDCITE_DATA_DIR": str(data_dir), "MEDCITE_MAX_STEPS": "0", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "medcite", *argv], capture_output=True, text=True, env=env, timeout=600, check=False
    )


def test_repaired_input_is_answered_by_the_real_model_with_its_load_report(bases: list[Base], tmp_path: Path) -> None:
    b = bases[0].copy()
    setter("Condition", "note", [{"text": "__RAW_0__"}])(b)
    duplicate("Patient")(b)
    path = tmp_path / "repaired.json"
    path.write_bytes(dump(b, {"__RAW_0__": '"Sm\\ud800ith ' + "x" * 30_000 + '"'}))
    done = _medcite(
        "ask",
        "What is the latest blood pressure?",
        "--bundle",
        str(path),
        "--no-guidelines",
        "--max-new-tokens",
        "48",
        data_dir=tmp_path / "data",
    )
    tally.record("medcite ask (embedded model)", "repaired input", "output + report" if done.returncode == 0 else "?")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert "Condition.note[0].text has 30,007 characters; kept the first 20,000" in done.stderr
    assert "lone surrogate) replaced by U+FFFD at Condition.note[0].text" in done.stderr
    assert "with identical content; read once" in done.stderr
    assert "not a medical device" in done.stdout


def test_refused_input_ends_in_one_line_and_no_output_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"resourceType": "Bundle", "type": "collection", "entry": ' + "[" * 100_000 + "]" * 100_000 + "}")
    out = tmp_path / "out"
    done = _medcite("summarize", str(path), "--no-guidelines", "--out", str(out), data_dir=tmp_path / "data")
    tally.record("medcite summarize (embedded model)", "deep_nesting", "error" if done.returncode == 2 else "?")
    assert done.returncode == 2 and done.stdout == ""
    assert re.fullmatch(
        rf"medcite: error: {re.escape(str(path))}: invalid JSON at line 1 column \d+: nested more than 100 levels "
        r"deep \(limit: MEDCITE_FHIR_MAX_DEPTH\)\n",
        done.stderr,
    ), done.stderr[-3000:]
    assert not out.exists()
