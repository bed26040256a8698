"""Loading bundles and NDJSON: reference resolution, bad input reported by file and entry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from medcite.core.errors import ConfigError, InputError
from medcite.core.settings import Settings
from medcite.tools.fhir.json_input import InputLimits
from medcite.tools.fhir.local_source import LocalSource
from medcite.tools.fhir.query import SearchQuery
from medcite.tools.fhir.source import LoadIssue
from tests.unit.tools.fhir import sample_record as sample


def _load(tmp_path: Path, data: object, name: str = "b.json", **kw: object) -> LocalSource:
    return LocalSource.from_paths(sample.write(tmp_path / name, data), **kw)  # type: ignore[arg-type]


def test_transaction_urn_uuid_references_resolve_to_type_and_id(tmp_path: Path) -> None:
    source = _load(tmp_path, sample.bundle())
    assert source.report.complete and not source.report.issues
    assert source.patient_ids() == [sample.PID]
    med = source.read("MedicationRequest", "mr1")
    assert med is not None
    assert med["subject"]["reference"] == "Patient/p1"
    assert med["medicationReference"]["reference"] == "Medication/m1"
    conditions = source.search(SearchQuery(resource_type="Condition", patient="p1"))
    assert [c["id"] for c in conditions] == ["c1", "c2"]


@pytest.mark.parametrize("bundle_type", ["collection", "searchset", "batch", "document"])
def test_other_bundle_types_load(tmp_path: Path, bundle_type: str) -> None:
    source = _load(tmp_path, sample.bundle(bundle_type))
    assert source.report.resources == len(sample.resources())


def test_absolute_full_urls_resolve_and_ids_come_from_full_url(tmp_path: Path) -> None:
    data = sample.bundle("collection")
    for entry in data["entry"]:
        res = entry["resource"]
        entry["fullUrl"] = f"https://ehr.example/fhir/{res['resourceType']}/{res['id']}"
        ref = res.get("subject") or res.get("patient")
        if ref:
            ref["reference"] = "https://ehr.example/fhir/Patient/p1"
    del data["entry"][0]["resource"]["id"]
    source = _load(tmp_path, data)
    assert source.patient_ids() == ["p1"]
    assert source.read("Observation", "o1")["subject"]["reference"] == "Patient/p1"  # type: ignore[index]


def test_ndjson_files_and_folders_load_with_a_bad_line_reported(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    records = sample.resources()
    type_of = {r["id"]: r["resourceType"] for r in records}
    by_type: dict[str, list[str]] = {}
    for res in records:
        text = re.sub(r"urn:uuid:(\w+)", lambda m: f"{type_of[m[1]]}/{m[1]}", json.dumps(res))
        by_type.setdefault(res["resourceType"], []).append(text)
    for rtype, lines in by_type.items():
        (folder / f"{rtype}.ndjson").write_text("\n".join(lines) + "\n")
    (folder / "Observation.ndjson").write_text((folder / "Observation.ndjson").read_text() + "{not json\n")
    source = LocalSource.from_paths(folder)
    assert source.patient_ids() == ["p1"]
    errors = source.report.excluded
    assert len(errors) == 1 and "Observation.ndjson line 7" in errors[0].where
    assert "invalid JSON" in errors[0].message
    assert not source.report.complete


def test_invalid_json_names_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"resourceType": "Bundle",\n "entry": [}')
    with pytest.raises(InputError, match=r"broken\.json: invalid JSON at line 2"):
        LocalSource.from_paths(path)


def test_a_non_bundle_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"p\.json: expected a FHIR Bundle, found 'Patient'"):
        _load(tmp_path, sample.resources()[0], "p.json")
    with pytest.raises(InputError, match="expected a FHIR Bundle, found an array"):
        _load(tmp_path, [1, 2], "list.json")


def test_an_empty_bundle_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"e\.json: the Bundle has no entries"):
        _load(tmp_path, {"resourceType": "Bundle", "type": "collection", "entry": []}, "e.json")


def test_an_unknown_bundle_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"Bundle\.type 'history'"):
        _load(tmp_path, sample.bundle("history"))


def test_wrong_resource_type_is_left_out_with_its_entry_index(tmp_path: Path) -> None:
    data = sample.bundle()
    data["entry"][3]["resource"]["resourceType"] = "Condtion"
    source = _load(tmp_path, data)
    (issue,) = source.report.excluded
    assert issue.where.endswith("b.json entry[3]") and "'Condtion'" in issue.message
    assert source.read("Condition", "c1") is None
    assert not source.report.complete
    dangling = [i for i in source.report.issues if i.severity == "warning"]
    assert {i.key for i in dangling} == {"MedicationRequest/mr1", "Procedure/pr1"}
    assert all("'urn:uuid:c1' at reasonReference" in i.message for i in dangling)


def test_resource_failing_r4b_validation_is_left_out_and_reported(tmp_path: Path) -> None:
    data = sample.bundle()
    index = next(i for i, e in enumerate(data["entry"]) if e["resource"]["id"] == "o2")
    data["entry"][index]["resource"]["valueQuantity"]["value"] = "seven"
    source = _load(tmp_path, data)
    (issue,) = source.report.excluded
    assert issue.key == "Observation/o2" and f"entry[{index}]" in issue.where
    assert "R4B validation" in issue.message and "valueQuantity" in issue.message
    found = source.search(SearchQuery(resource_type="Observation", codes=("4548-4",)))
    assert [o["id"] for o in found] == ["o1", "o3"]


def test_unresolved_patient_reference_excludes_the_resource(tmp_path: Path) -> None:
    data = sample.bundle()
    data["entry"][3]["resource"]["subject"] = {"reference": "urn:uuid:nobody"}
    source = _load(tmp_path, data)
    (issue,) = source.report.issues
    assert issue.severity == "error" and "unresolved reference 'urn:uuid:nobody' at subject" in issue.message
    assert source.read("Condition", "c1") is None


def test_unresolved_other_reference_is_a_warning_and_keeps_the_resource(tmp_path: Path) -> None:
    data = sample.bundle()
    data["entry"][3]["resource"]["encounter"] = {"reference": "urn:uuid:lost"}
    source = _load(tmp_path, data)
    (issue,) = source.report.issues
    assert issue.severity == "warning" and "at encounter" in issue.message
    assert source.report.complete and source.read("Condition", "c1") is not None


def test_conflicting_duplicate_ids_are_reported_and_identical_ones_merged(tmp_path: Path) -> None:
    first = sample.write(tmp_path / "one.json", sample.bundle())
    same = sample.write(tmp_path / "two.json", sample.bundle())
    merged = LocalSource.from_paths([first, same]).report
    assert merged.complete and len(merged.issues) == len(sample.resources())
    assert all(i.severity == "warning" and "identical content; read once" in i.message for i in merged.issues)
    assert "one.json entry[0]" in merged.issues[0].message and "two.json entry[0]" in merged.issues[0].where
    changed = sample.bundle()
    changed["entry"][3]["resource"]["onsetDateTime"] = "2016-01-01T00:00:00+00:00"
    other = sample.write(tmp_path / "three.json", changed)
    source = LocalSource.from_paths([first, other])
    conflicts = source.report.excluded
    (issue,) = conflicts
    assert issue.key == "Condition/c1" and "duplicate id: already read from" in issue.message
    assert "one.json entry[3]" in issue.message
    assert "three.json entry[3]" in issue.where and "first difference at Condition.onsetDateTime" in issue.message
    assert source.read("Condition", "c1")["onsetDateTime"].startswith("2015")  # type: ignore[index]


def test_oversize_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(100 * 1_000_000)
    with pytest.raises(InputError, match=r"huge\.json: file is 100\.0 MB, over the 64 MB limit"):
        LocalSource.from_paths(path)
    with pytest.raises(InputError, match=r"over the 0\.001 MB limit"):
        _load(tmp_path, sample.bundle(), limits=InputLimits.from_settings(Settings(fhir_max_file_mb=0.001)))


def test_missing_paths_and_empty_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        LocalSource.from_paths(tmp_path / "absent.json")
    with pytest.raises(InputError, match=r"folder has no \.json or \.ndjson files"):
        LocalSource.from_paths(tmp_path)


def test_strict_mode_turns_left_out_entries_into_an_error(tmp_path: Path) -> None:
    data = sample.bundle()
    data["entry"][3]["resource"]["resourceType"] = "Nope"
    with pytest.raises(InputError, match=r"invalid FHIR input: error: .*entry\[3\]"):
        _load(tmp_path, data, strict=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("fhir_max_depth", 2_000, "MEDCITE_FHIR_MAX_DEPTH must be between 8 and 500"),
        ("fhir_max_text_chars", 10, "MEDCITE_FHIR_MAX_TEXT_CHARS must be at least 256"),
        ("fhir_max_resources", 0, "MEDCITE_FHIR_MAX_RESOURCES must be at least 1"),
    ],
)
def test_limits_out_of_range_are_a_config_error(field: str, value: int, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        InputLimits.from_settings(Settings(**{field: value}))  # type: ignore[arg-type]


def test_issue_text_from_the_input_stays_on_one_line() -> None:
    issue = LoadIssue(severity="error", where="a.json entry[0]", message="bad\nvalue \x1b[31mred", key="Basic/x\ry")
    assert str(issue) == "error: a.json entry[0] (Basic/x\\ry): bad\\nvalue \\x1b[31mred"
