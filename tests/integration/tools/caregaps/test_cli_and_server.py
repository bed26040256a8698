"""``medcite fhir caregaps`` on a bundle, and the same care gaps from a real FHIR server."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from medcite.cli import main
from medcite.tools.caregaps import care_gaps
from medcite.tools.fhir import LocalSource, ServerSource
from tests.conftest import PROJECT_ROOT
from tests.fixtures.fhir_server import LoadedFhirServer

DEMO = PROJECT_ROOT / "examples" / "synthea" / "Patria_Schimmel_d2f8f862-3856-490d-b56f-98e0ed984b1e.json"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_caregaps_lists_applicable_recommendations_cited_to_their_statements(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run(capsys, "fhir", "caregaps", str(DEMO))
    assert code == 0 and not err
    lines = out.splitlines()
    assert lines[0] == (
        "Preventive care (USPSTF A/B) — care gaps as of 2019-06-25, the record's last encounter; "
        "USPSTF recommendations as of 2024-05-02"
    )
    gaps = [ln for ln in lines if ln.startswith("- ")]
    assert gaps and all(ln.startswith("- [caregap:uspstf-rec-") and "[guideline:uspstf-rec-" in ln for ln in gaps)
    assert any("up to date: Hypertension screening, USPSTF grade A [guideline:uspstf-rec-1921]; last Blood Pressure "
               "2019-06-25 [Observation/" in ln and "every year, next due 2020-06-25" in ln for ln in gaps)
    assert not any("not applicable" in ln for ln in gaps)
    code, everything, _ = _run(capsys, "fhir", "caregaps", str(DEMO), "--all")
    assert len([ln for ln in everything.splitlines() if ln.startswith("- ")]) == 54


def test_caregaps_json_and_as_of(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "fhir", "caregaps", str(DEMO), "--as-of", "2015-01-01", "--json")
    report = json.loads(out)
    assert code == 0 and report["as_of"] == {"day": "2015-01-01", "basis": "given", "last_activity": None}
    assert report["age"] == 40 and len(report["gaps"]) == 54


@pytest.mark.slow
def test_the_same_care_gaps_come_from_a_fhir_server(
    fhir_server: LoadedFhirServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle: Path
    for bundle, patient_id in list(fhir_server.patient_ids.items())[:6]:
        on = date(2019, 6, 30)
        from_file = care_gaps(LocalSource.from_paths(bundle), patient_id, as_of=on)
        server = ServerSource(fhir_server.base_url, token=fhir_server.token)
        from_server = care_gaps(server, patient_id, as_of=on)
        assert from_server.gaps == from_file.gaps, bundle.name
