import json
from pathlib import Path

import pytest

from medcite.core.errors import InputError
from medcite.evals.fhir.raw_bundle import concept_text, day, effective_instant, read_bundle, status_code


def _bundle(tmp_path: Path, entries: list[object], name: str = "b.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))
    return path


def test_ids_come_from_urn_uuid_full_urls(tmp_path: Path) -> None:
    path = _bundle(
        tmp_path,
        [
            {"fullUrl": "urn:uuid:p1", "resource": {"resourceType": "Patient"}},
            {"resource": {"resourceType": "Observation", "id": "o1"}},
        ],
    )
    bundle = read_bundle(path)
    assert bundle.patient_id == "p1"
    assert set(bundle.by_key) == {"Patient/p1", "Observation/o1"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a JSON file"),
        (json.dumps({"resourceType": "Patient"}), "expected a FHIR Bundle"),
        (json.dumps({"resourceType": "Bundle", "entry": [{"resource": {"id": "x"}}]}), "entry 0 has no resource"),
        (
            json.dumps(
                {
                    "resourceType": "Bundle",
                    "entry": [{"fullUrl": "http://x/1", "resource": {"resourceType": "Patient"}}],
                }
            ),
            "entry 0 (Patient) has neither an id",
        ),
        (json.dumps({"resourceType": "Bundle", "entry": []}), "exactly one Patient, found 0"),
    ],
)
def test_bad_bundles_name_file_and_entry(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / f"bad-{abs(hash(content))}.json"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        read_bundle(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_missing_bundle(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_bundle(tmp_path / "none.json")


def test_field_helpers() -> None:
    assert concept_text({"coding": [{"code": "x", "display": "Xylo"}]}) == "Xylo"
    assert concept_text({"text": "T", "coding": [{"display": "D"}]}) == "T"
    assert concept_text(None) == ""
    assert status_code({"clinicalStatus": {"coding": [{"code": "active"}]}}, "clinicalStatus") == "active"
    assert status_code({"status": "stopped"}, "status") == "stopped"
    assert effective_instant({"period": {"start": "2020-01-02T03:04:05+00:00"}}) == "2020-01-02T03:04:05+00:00"
    assert effective_instant({"issued": "2021-01-01T00:00:00Z"}) == "2021-01-01T00:00:00Z"
    assert day("2020-01-02T23:59:00-05:00") == "2020-01-02" and day(None) is None
