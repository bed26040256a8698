"""``medcite fhir show`` / ``medcite fhir patients`` on a bundle file and on the FHIR server."""

from __future__ import annotations

from pathlib import Path

import pytest

from medcite.cli import main
from tests.fixtures.fhir_server import LoadedFhirServer


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_show_prints_the_compact_context_of_a_bundle(
    synthea_bundles: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = min(synthea_bundles, key=lambda p: p.stat().st_size)
    code, out, err = _run(capsys, "fhir", "show", str(bundle), "--as-of", "2024-01-01")
    assert code == 0 and not err
    lines = out.splitlines()
    assert lines[0] == "Patient" and lines[1].startswith("[Patient/")
    assert "Active problems" in lines and "Latest results (vital signs, labs; earlier values and trend)" in lines
    assert out.rstrip().endswith("not a medical device._")


@pytest.mark.slow
def test_show_gives_the_same_context_from_the_server(
    fhir_server: LoadedFhirServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle, patient_id = next(iter(fhir_server.patient_ids.items()))
    _, from_file, _ = _run(capsys, "fhir", "show", str(bundle), "--as-of", "2024-01-01")
    monkeypatch.setenv("MEDCITE_FHIR_TOKEN", fhir_server.token)
    code, from_server, err = _run(
        capsys, "fhir", "show", fhir_server.base_url, "--patient", patient_id, "--as-of", "2024-01-01"
    )
    assert code == 0 and not err
    assert from_server == from_file
    code, listed, _ = _run(capsys, "fhir", "patients", fhir_server.base_url)
    assert code == 0 and patient_id in listed.split()


def test_errors_are_reported_without_a_traceback(
    synthea_bundles: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "fhir", "show", str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json: no such file or folder" in err and "Traceback" not in err
    code, _, err = _run(capsys, "fhir", "show", str(synthea_bundles[0].parent))
    assert code == 2 and f"holds {len(synthea_bundles)} patients" in err and "--patient ID" in err
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    code, _, err = _run(capsys, "fhir", "show", str(broken))
    assert code == 2 and "broken.json: invalid JSON at line 1" in err
