"""Malformed FHIR input made from the real Synthea bundles, by category, each with the outcome it must get.

A :class:`Mutant` turns one real bundle (:class:`Base`) into the bytes of one file. ``expect`` is the
outcome it must get from the loader: ``loaded`` (no issue at all), ``report`` (loaded; the load report
lists what was repaired or left out) or ``error`` (a one-paragraph :class:`InputError`); ``pattern`` must
match the error or one of the reported issues. ``COMPOSABLE`` holds record edits that the property
test combines at random.
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

Resource = dict[str, Any]
Bundle = dict[str, Any]
Expect = str  # "loaded" | "report" | "error"


@dataclass
class Base:
    """One real Synthea bundle, parsed once; ``copy`` gives an editable deep copy."""

    path: Path

    @cached_property
    def raw(self) -> bytes:
        return self.path.read_bytes()

    @cached_property
    def bundle(self) -> Bundle:
        loaded: Bundle = json.loads(self.raw)
        return loaded

    def copy(self) -> Bundle:
        return copy.deepcopy(self.bundle)


@dataclass(frozen=True)
class Mutant:
    category: str
    name: str
    make: Callable[[Base], bytes]
    expect: Expect
    pattern: str | None = None
    suffix: str = ".json"
    env: dict[str, str] = field(default_factory=dict)  # MEDCITE_* settings for this input

    @property
    def id(self) -> str:
        return f"{self.category}/{self.name}"

    @property
    def file_name(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "_", self.id) + self.suffix


# -- helpers ------------------------------------------------------------------------------------------


def entries(b: Bundle, rtype: str) -> list[dict[str, Any]]:
    return [e for e in b["entry"] if e["resource"]["resourceType"] == rtype]


def res(b: Bundle, rtype: str, nth: int = 0, having: str | None = None) -> Resource:
    found = [e["resource"] for e in entries(b, rtype) if having is None or having in e["resource"]]
    return found[nth]


def dump(b: Any, literals: dict[str, str] | None = None) -> bytes:
    """JSON bytes; ``"__RAW_n__"`` placeholders become the raw ``literals`` (NaN, 1e400, deep arrays)."""
    text = json.dumps(b, ensure_ascii=False)
    for placeholder, literal in (literals or {}).items():
        text = text.replace(json.dumps(placeholder), literal)
    return text.encode("utf-8")


def edit(fn: Callable[[Bundle], Any]) -> Callable[[Base], bytes]:
    def make(base: Base) -> bytes:
        b = base.copy()
        fn(b)
        return dump(b)

    return make


def raw_edit(fn: Callable[[Bundle], Any], literal: str) -> Callable[[Base], bytes]:
    """``fn`` puts ``"__RAW_0__"`` where ``literal`` goes (text JSON cannot produce from Python values)."""

    def make(base: Base) -> bytes:
        b = base.copy()
        fn(b)
        return dump(b, {"__RAW_0__": literal})

    return make


def text_edit(fn: Callable[[bytes], bytes]) -> Callable[[Base], bytes]:
    return lambda base: fn(base.raw)


def setter(rtype: str, path: str, value: Any, having: str | None = None, nth: int = 0) -> Callable[[Bundle], None]:
    """Set a dotted ``path`` (``valueQuantity.value``, ``name[0].family``) of the nth ``rtype`` resource
    (the nth that has the element ``having``, when given)."""

    def apply(b: Bundle) -> None:
        node: Any = res(b, rtype, nth, having)
        parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
        for part in parts[:-1]:
            node = node[int(part[1:-1])] if part.startswith("[") else node.setdefault(part, {})
        last = parts[-1]
        if last.startswith("["):
            node[int(last[1:-1])] = value
        else:
            node[last] = value

    return apply


def obs_value(value: Any) -> Callable[[Bundle], None]:
    return setter("Observation", "valueQuantity.value", value, having="valueQuantity")


def setter_base(base: Base, rtype: str, path: str, value: Any) -> Base:
    """A base whose bundle has one element set (for makers that take a base)."""
    edited = Base(base.path)
    edited.bundle = setter_applied(base, rtype, path, value)
    return edited


def setter_applied(base: Base, rtype: str, path: str, value: Any) -> Bundle:
    b = base.copy()
    setter(rtype, path, value)(b)
    return b


def nan_line(lines: list[str]) -> list[str]:
    """The first Observation line with a valueQuantity, its value made NaN, moved to line 2."""
    i = next(i for i, line in enumerate(lines) if '"valueQuantity"' in line)
    return [lines[0], re.sub(r'"value": [0-9.eE+-]+', '"value": NaN', lines[i], count=1), *lines[1:i], *lines[i + 1 :]]


def deleter(rtype: str, key: str, nth: int = 0) -> Callable[[Bundle], None]:
    return lambda b: res(b, rtype, nth).pop(key, None)


def both(*fns: Callable[[Bundle], Any]) -> Callable[[Bundle], None]:
    def apply(b: Bundle) -> None:
        for fn in fns:
            fn(b)

    return apply


def to_ndjson(b: Bundle) -> list[str]:
    """One resource per line, ``urn:uuid`` references rewritten to ``Type/id`` as Bulk Data exports have them."""
    type_of = {
        e["fullUrl"]: f"{e['resource'].get('resourceType')}/{e['resource'].get('id')}"
        for e in b["entry"]
        if isinstance(e.get("resource"), dict) and "fullUrl" in e
    }
    lines = []
    for e in b["entry"]:
        text = json.dumps(e.get("resource"), ensure_ascii=False)
        lines.append(re.sub(r'"(urn:uuid:[0-9a-f-]+)"', lambda m: json.dumps(type_of.get(m[1], m[1])), text))
    return lines


def ndjson(fn: Callable[[list[str]], list[str]] | None = None, sep: str = "\n") -> Callable[[Base], bytes]:
    def make(base: Base) -> bytes:
        lines = to_ndjson(base.copy())
        return (sep.join(fn(lines) if fn else lines) + sep).encode("utf-8")

    return make


def nested(depth: int, leaf: Any) -> Any:
    """``depth`` levels of nested extensions (two JSON levels each) around ``leaf``."""
    node = leaf
    for _ in range(depth):
        node = {"url": "http://example.org/fhir/StructureDefinition/nested", "extension": [node]}
    return node


def cut(fraction: float) -> Callable[[bytes], bytes]:
    return lambda raw: raw[: int(len(raw) * fraction)]


def repeat_entries(times: int) -> Callable[[Bundle], None]:
    def apply(b: Bundle) -> None:
        b["entry"] = [e for e in b["entry"] for _ in range(times)]

    return apply


def duplicate(rtype: str, change: Callable[[Resource], None] | None = None) -> Callable[[Bundle], None]:
    def apply(b: Bundle) -> None:
        first = entries(b, rtype)[0]
        again = copy.deepcopy(first)
        if change:
            change(again["resource"])
        b["entry"].append(again)

    return apply


def chain(rtype: str, field_name: str, targets: Callable[[Bundle], list[str]]) -> Callable[[Bundle], None]:
    """Point ``field_name`` of consecutive ``rtype`` resources at ``targets`` (self / each other)."""

    def apply(b: Bundle) -> None:
        found = entries(b, rtype)
        for entry, target in zip(found, targets(b), strict=False):
            entry["resource"][field_name] = (
                {"reference": target} if field_name != "hasMember" else [{"reference": target}]
            )

    return apply


def full_urls(rtype: str, order: Callable[[list[str]], list[str]]) -> Callable[[Bundle], list[str]]:
    return lambda b: order([e["fullUrl"] for e in entries(b, rtype)])


# -- the catalogue ------------------------------------------------------------------------------------

PATIENT_REF_GONE = r"unresolved reference 'urn:uuid:nobody' at subject"

MUTANTS: list[Mutant] = [
    # truncation: the file ends early
    *(
        Mutant("truncation", f"cut_at_{int(f * 1000)}permille", text_edit(cut(f)), "error", r"invalid JSON at line \d+")
        for f in (0.0005, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999)
    ),
    Mutant(
        "truncation",
        "cut_inside_a_string",
        text_edit(lambda r: r[: r.index(b'"family"') + 4]),
        "error",
        r"invalid JSON at line \d+ column \d+: Unterminated string",
    ),
    # wrong JSON types
    Mutant(
        "wrong_types",
        "birthDate_number",
        edit(setter("Patient", "birthDate", 19800101)),
        "report",
        r"R4B validation at Patient\.birthDate",
    ),
    Mutant(
        "wrong_types",
        "valueQuantity_string",
        edit(setter("Observation", "valueQuantity", "7.2 mmol/L", having="valueQuantity")),
        "report",
        r"R4B validation at Observation\.valueQuantity",
    ),
    Mutant(
        "wrong_types",
        "code_list",
        edit(setter("Condition", "code", [{"text": "x"}])),
        "report",
        r"R4B validation at Condition\.code",
    ),
    Mutant(
        "wrong_types",
        "subject_string",
        edit(setter("Observation", "subject", "Patient/x")),
        "report",
        r"R4B validation at Observation\.subject",
    ),
    Mutant(
        "wrong_types", "name_object", edit(setter("Patient", "name", {"family": "Doe"})), "report", r"Patient\.name"
    ),
    Mutant(
        "wrong_types",
        "period_start_bool",
        edit(setter("Encounter", "period.start", True)),
        "report",
        r"R4B validation at Encounter\.period\.start",
    ),
    Mutant(
        "wrong_types",
        "resource_is_list",
        edit(lambda b: b["entry"][3].update(resource=[1, 2])),
        "report",
        r"entry\[3\].*entry has no resource",
    ),
    Mutant(
        "wrong_types",
        "entry_is_string",
        edit(lambda b: b["entry"].insert(2, "Patient/1")),
        "report",
        r"entry\[2\].*entry is not an object",
    ),
    Mutant(
        "wrong_types",
        "request_is_string",
        edit(lambda b: b["entry"].insert(1, {"request": "GET"})),
        "report",
        r"entry\[1\].*entry has no resource",
    ),
    Mutant(
        "wrong_types",
        "entry_is_object",
        edit(lambda b: b.update(entry={"resource": b["entry"][0]})),
        "error",
        r"Bundle\.entry is an object, not an array of entries",
    ),
    Mutant("wrong_types", "bundle_type_number", edit(lambda b: b.update(type=5)), "error", r"Bundle\.type 5 is not"),
    Mutant(
        "wrong_types",
        "resourceType_list",
        edit(setter("Condition", "resourceType", ["Condition"])),
        "report",
        r"resourceType \['Condition'\] is not a FHIR R4 resource type",
    ),
    # invalid dates
    Mutant(
        "invalid_dates",
        "month_13",
        edit(setter("Observation", "effectiveDateTime", "2019-13-45")),
        "report",
        r"Observation\.effectiveDateTime",
    ),
    Mutant(
        "invalid_dates",
        "february_30",
        edit(setter("Observation", "effectiveDateTime", "2019-02-30T10:00:00Z")),
        "report",
        r"Observation\.effectiveDateTime",
    ),
    Mutant(
        "invalid_dates",
        "not_leap_year",
        edit(setter("Patient", "birthDate", "1981-02-29")),
        "report",
        r"Patient\.birthDate",
    ),
    Mutant(
        "invalid_dates",
        "words",
        edit(setter("Condition", "onsetDateTime", "yesterday")),
        "report",
        r"Condition\.onsetDateTime",
    ),
    Mutant(
        "invalid_dates",
        "slashes",
        edit(setter("Encounter", "period.start", "2019/01/01")),
        "report",
        r"Encounter\.period\.start",
    ),
    Mutant(
        "invalid_dates",
        "hour_25",
        edit(setter("Condition", "onsetDateTime", "2019-01-01T25:61:00Z")),
        "report",
        r"Condition\.onsetDateTime",
    ),
    Mutant("invalid_dates", "empty", edit(setter("Patient", "birthDate", "")), "report", r"Patient\.birthDate"),
    Mutant(
        "invalid_dates",
        "year_zero",
        edit(setter("Immunization", "occurrenceDateTime", "0000-01-01")),
        "report",
        r"Immunization\.occurrenceDateTime",
    ),
    # invalid decimals
    Mutant("invalid_decimals", "word", edit(obs_value("seven")), "report", r"Observation\.valueQuantity\.value"),
    Mutant("invalid_decimals", "decimal_comma", edit(obs_value("7,2")), "report", r"Observation\.valueQuantity\.value"),
    Mutant("invalid_decimals", "hex", edit(obs_value("0x1F")), "report", r"Observation\.valueQuantity\.value"),
    Mutant("invalid_decimals", "boolean", edit(obs_value(True)), "report", r"Observation\.valueQuantity\.value"),
    Mutant(
        "invalid_decimals",
        "overflow_1e400",
        raw_edit(obs_value("__RAW_0__"), "1e400"),
        "report",
        r"1e400 at Observation\.valueQuantity\.value is not a number FHIR can hold",
    ),
    Mutant(
        "invalid_decimals",
        "5000_digits",
        raw_edit(obs_value("__RAW_0__"), "9" * 5000),
        "report",
        r"Observation\.valueQuantity\.value is not a number FHIR can hold",
    ),
    Mutant("invalid_decimals", "underflow_1e-400", raw_edit(obs_value("__RAW_0__"), "1e-400"), "loaded"),
    Mutant("invalid_decimals", "negative_zero", raw_edit(obs_value("__RAW_0__"), "-0.0"), "loaded"),
    # NaN and Infinity (not JSON, but Python's reader takes them)
    *(
        Mutant(
            "nan_infinity",
            f"value_{lit.strip('-').lower()}{'_negative' if lit.startswith('-') else ''}",
            raw_edit(obs_value("__RAW_0__"), lit),
            "report",
            rf"{re.escape(lit)} at Observation\.valueQuantity\.value is not a number FHIR can hold",
        )
        for lit in ("NaN", "Infinity", "-Infinity")
    ),
    Mutant(
        "nan_infinity",
        "component_nan",
        raw_edit(setter("Observation", "component[0].valueQuantity.value", "__RAW_0__", having="component"), "NaN"),
        "report",
        r"NaN at Observation\.component\[0\]\.valueQuantity\.value",
    ),
    Mutant("nan_infinity", "bundle_total_nan", raw_edit(lambda b: b.update(total="__RAW_0__"), "NaN"), "loaded"),
    Mutant(
        "nan_infinity",
        "ndjson_line_nan",
        ndjson(nan_line),
        "report",
        r"line 2: NaN at Observation\.valueQuantity\.value",
        suffix=".ndjson",
    ),
    # missing resourceType / ids
    Mutant(
        "missing_type_or_id",
        "no_resourceType",
        edit(deleter("Observation", "resourceType")),
        "report",
        r"resourceType None is not a FHIR R4 resource type",
    ),
    Mutant(
        "missing_type_or_id",
        "empty_resourceType",
        edit(setter("Condition", "resourceType", "")),
        "report",
        r"resourceType '' is not",
    ),
    Mutant(
        "missing_type_or_id",
        "misspelt_resourceType",
        edit(setter("Condition", "resourceType", "Condtion")),
        "report",
        r"'Condtion' is not a FHIR R4 resource type",
    ),
    Mutant("missing_type_or_id", "no_id_but_fullUrl", edit(deleter("Observation", "id")), "loaded"),
    Mutant(
        "missing_type_or_id",
        "no_id_no_fullUrl",
        edit(both(deleter("Observation", "id"), lambda b: entries(b, "Observation")[0].pop("fullUrl"))),
        "report",
        r"Observation has no id and no usable fullUrl",
    ),
    Mutant("missing_type_or_id", "id_number", edit(setter("Observation", "id", 12)), "loaded"),
    Mutant(
        "missing_type_or_id",
        "patient_without_type",
        edit(deleter("Patient", "resourceType")),
        "report",
        r"unresolved reference 'urn:uuid:[0-9a-f-]+' at subject",
    ),
    Mutant(
        "missing_type_or_id",
        "invalid_id_chars",
        edit(setter("Condition", "id", "no spaces allowed/here")),
        "report",
        r"Condition\.id",
    ),
    # dangling references
    Mutant(
        "dangling_refs",
        "subject_nobody",
        edit(setter("Observation", "subject.reference", "urn:uuid:nobody")),
        "report",
        PATIENT_REF_GONE,
    ),
    Mutant(
        "dangling_refs",
        "encounter_gone",
        edit(setter("Observation", "encounter.reference", "urn:uuid:gone")),
        "report",
        r"warning: .*unresolved reference 'urn:uuid:gone' at encounter",
    ),
    Mutant(
        "dangling_refs",
        "patient_not_here",
        edit(setter("Condition", "subject.reference", "Patient/not-here")),
        "report",
        r"refers to Patient/not-here, which is not in the loaded data",
    ),
    Mutant(
        "dangling_refs",
        "medication_missing",
        edit(
            both(
                deleter("MedicationRequest", "medicationCodeableConcept"),
                setter("MedicationRequest", "medicationReference", {"reference": "Medication/none"}),
            )
        ),
        "loaded",
    ),
    Mutant(
        "dangling_refs",
        "empty_reference",
        edit(setter("Observation", "encounter.reference", "")),
        "report",
        r"R4B validation at Observation\.encounter\.reference",
    ),
    Mutant(
        "dangling_refs", "contained_missing", edit(setter("Observation", "encounter.reference", "#nothing")), "loaded"
    ),
    # circular references
    Mutant(
        "circular_refs",
        "observation_member_of_itself",
        edit(chain("Observation", "hasMember", full_urls("Observation", lambda u: u[:1]))),
        "loaded",
    ),
    Mutant(
        "circular_refs",
        "encounter_part_of_itself",
        edit(chain("Encounter", "partOf", full_urls("Encounter", lambda u: u[:1]))),
        "loaded",
    ),
    Mutant(
        "circular_refs",
        "encounters_part_of_each_other",
        edit(chain("Encounter", "partOf", full_urls("Encounter", lambda u: [u[1], u[0]]))),
        "loaded",
    ),
    Mutant(
        "circular_refs",
        "every_encounter_in_a_ring",
        edit(chain("Encounter", "partOf", full_urls("Encounter", lambda u: [*u[1:], u[0]]))),
        "loaded",
    ),
    Mutant(
        "circular_refs",
        "condition_reason_loop",
        edit(
            lambda b: res(b, "MedicationRequest").update(
                reasonReference=[{"reference": entries(b, "MedicationRequest")[0]["fullUrl"]}]
            )
        ),
        "loaded",
    ),
    # duplicate ids
    Mutant(
        "duplicate_ids",
        "patient_twice_identical",
        edit(duplicate("Patient")),
        "report",
        r"warning: .*\(Patient/[0-9a-f-]+\): repeats .*entry\[0\] with identical content; read once",
    ),
    Mutant(
        "duplicate_ids",
        "every_entry_20_times",
        edit(repeat_entries(20)),
        "report",
        r"entry\[19\].*repeats .*entry\[0\] with identical content",
    ),
    Mutant(
        "duplicate_ids",
        "patient_twice_different",
        edit(duplicate("Patient", lambda r: r["name"][0].update(family="Other"))),
        "report",
        r"error: .*duplicate id: already read from .*entry\[0\] with different content "
        r"\(first difference at Patient\.name\[0\]\.family\); this entry was left out",
    ),
    Mutant(
        "duplicate_ids",
        "observation_twice_different_value",
        edit(duplicate("Observation", lambda r: r["valueQuantity"].update(value=999))),
        "report",
        r"first difference at Observation\.valueQuantity\.value",
    ),
    Mutant(
        "duplicate_ids",
        "same_id_other_type",
        edit(lambda b: res(b, "Observation").update(id=res(b, "Condition")["id"])),
        "loaded",
    ),
    Mutant(
        "duplicate_ids",
        "shared_fullUrl",
        edit(lambda b: entries(b, "Observation")[1].update(fullUrl=entries(b, "Observation")[0]["fullUrl"])),
        "loaded",
    ),
    # resources from other FHIR versions
    Mutant(
        "other_fhir_versions",
        "dstu2_condition_patient",
        edit(lambda b: res(b, "Condition").update(patient=res(b, "Condition").pop("subject"), clinicalStatus="active")),
        "report",
        r"Condition\.",
    ),
    Mutant(
        "other_fhir_versions",
        "dstu2_medication_order",
        edit(setter("MedicationRequest", "resourceType", "MedicationOrder")),
        "report",
        r"'MedicationOrder' is not a FHIR R4 resource type",
    ),
    Mutant(
        "other_fhir_versions",
        "dstu2_patient_care_provider",
        edit(setter("Patient", "careProvider", [{"reference": "Practitioner/1"}])),
        "report",
        r"Patient\.careProvider",
    ),
    Mutant(
        "other_fhir_versions",
        "stu3_medication_request_context",
        edit(lambda b: res(b, "MedicationRequest").update(context=res(b, "MedicationRequest").pop("encounter"))),
        "report",
        r"MedicationRequest\.context",
    ),
    Mutant(
        "other_fhir_versions",
        "stu3_allergy_status_string",
        edit(lambda b: res(b, "Condition").update(verificationStatus="confirmed")),
        "report",
        r"Condition\.verificationStatus",
    ),
    Mutant(
        "other_fhir_versions",
        "stu3_procedure_not_performed",
        edit(setter("Procedure", "notPerformed", True)),
        "report",
        r"Procedure\.notPerformed",
    ),
    Mutant(
        "other_fhir_versions",
        "r5_encounter_class_list",
        edit(lambda b: res(b, "Encounter").update({"class": [{"coding": [res(b, "Encounter")["class"]]}]})),
        "report",
        r"Encounter\.class",
    ),
    Mutant(
        "other_fhir_versions",
        "r5_observation_triggered_by",
        edit(setter("Observation", "triggeredBy", [{"observation": {"reference": "Observation/1"}, "type": "reflex"}])),
        "report",
        r"Observation\.triggeredBy",
    ),
    Mutant(
        "other_fhir_versions",
        "r5_only_resource_type",
        edit(setter("Observation", "resourceType", "InventoryItem")),
        "report",
        r"'InventoryItem' is not a FHIR R4 resource type",
    ),
    Mutant(
        "other_fhir_versions",
        "r5_bundle_issues_field",
        edit(lambda b: b.update(issues={"resourceType": "x"})),
        "loaded",
    ),
    # deep nesting
    Mutant(
        "deep_nesting",
        "100000_levels_in_a_resource",
        raw_edit(setter("Observation", "extension", "__RAW_0__"), "[" * 100_000 + "]" * 100_000),
        "error",
        r"invalid JSON at line 1 column \d+: nested more than 100 levels deep \(limit: MEDCITE_FHIR_MAX_DEPTH\)",
    ),
    Mutant(
        "deep_nesting",
        "100000_levels_whole_file",
        lambda base: b"[" * 100_000 + b"]" * 100_000,
        "error",
        r"invalid JSON at line 1 column 104: nested more than 100 levels deep",
    ),
    Mutant(
        "deep_nesting",
        "300_levels_of_extensions",
        edit(setter("Observation", "extension", [nested(150, {"url": "u", "valueString": "x"})])),
        "report",
        r"nested more than 100 levels deep at Observation\.extension\[0\]\.extension",
    ),
    Mutant(
        "deep_nesting",
        "40_levels_of_extensions_within_the_limit",
        edit(setter("Observation", "extension", [nested(40, {"url": "http://x.org/leaf", "valueString": "x"})])),
        "loaded",
    ),
    Mutant(
        "deep_nesting",
        "600_levels_in_ndjson_line",
        ndjson(lambda ls: [*ls[:3], '{"resourceType": "Basic", "id": "deep", "x": ' + "[" * 600 + "]" * 600 + "}"]),
        "report",
        r"line 4: nested more than 100 levels deep at Basic\.x",
        suffix=".ndjson",
    ),
    Mutant(
        "deep_nesting",
        "5000_levels_in_ndjson_line",
        ndjson(lambda ls: [*ls[:3], "[" * 5000 + "]" * 5000, *ls[3:]]),
        "report",
        r"line 4: invalid JSON at column 101: nested more than 100 levels deep",
        suffix=".ndjson",
    ),
    Mutant(
        "deep_nesting",
        "depth_limit_setting",
        edit(setter("Observation", "extension", [nested(8, {"url": "u"})])),
        "report",
        r"nested more than 12 levels deep",
        env={"MEDCITE_FHIR_MAX_DEPTH": "12"},
    ),
    # huge strings and arrays
    Mutant(
        "huge_values",
        "family_name_1MB",
        edit(setter("Patient", "name[0].family", "A" * 1_000_000)),
        "report",
        r"text at Patient\.name\[0\]\.family has 1,000,000 characters; kept the first 20,000",
    ),
    Mutant(
        "huge_values",
        "code_text_5MB",
        edit(setter("Condition", "code.text", "diabetes " * 600_000)),
        "report",
        r"text at Condition\.code\.text has 5,400,000 characters",
    ),
    Mutant(
        "huge_values",
        "note_200k_lines",
        edit(setter("Condition", "note", [{"text": "line\n" * 200_000}])),
        "report",
        r"text at Condition\.note\[0\]\.text has 1,000,000 characters",
    ),
    Mutant(
        "huge_values",
        "20000_codings",
        edit(lambda b: res(b, "Observation")["code"].update(coding=res(b, "Observation")["code"]["coding"] * 20_000)),
        "loaded",
    ),
    Mutant("huge_values", "100000_given_names", edit(setter("Patient", "name[0].given", ["G"] * 100_000)), "loaded"),
    Mutant(
        "huge_values",
        "text_limit_setting",
        edit(setter("Condition", "note", [{"text": "note " * 200}])),
        "report",
        r"Condition\.note\[0\]\.text has 1,000 characters; kept the first 256 \(limit: MEDCITE_FHIR_MAX_TEXT_CHARS\)",
        env={"MEDCITE_FHIR_MAX_TEXT_CHARS": "256"},
    ),
    Mutant(
        "huge_values",
        "resource_limit_setting",
        edit(lambda b: None),
        "error",
        r"\d+ entries, over the limit of 20 resources per file \(raise MEDCITE_FHIR_MAX_RESOURCES",
        env={"MEDCITE_FHIR_MAX_RESOURCES": "20"},
    ),
    Mutant(
        "huge_values",
        "file_size_setting",
        edit(lambda b: None),
        "error",
        r"over the 0\.1 MB limit \(raise MEDCITE_FHIR_MAX_FILE_MB",
        env={"MEDCITE_FHIR_MAX_FILE_MB": "0.1"},
    ),
    # encodings
    Mutant("encoding", "utf8_bom", text_edit(lambda r: b"\xef\xbb\xbf" + r), "loaded"),
    Mutant(
        "encoding",
        "utf16",
        text_edit(lambda r: r.decode("utf-8").encode("utf-16")),
        "error",
        r"not UTF-8 text \(invalid start byte at byte 0\)",
    ),
    Mutant(
        "encoding",
        "latin1_name",
        lambda base: dump(setter_applied(base, "Patient", "name[0].family", "Müller")).decode().encode("latin-1"),
        "error",
        r"not UTF-8 text",
    ),
    Mutant(
        "encoding",
        "stray_ff_byte",
        text_edit(lambda r: r[:5000] + b"\xff" + r[5000:]),
        "error",
        r"not UTF-8 text \(invalid start byte at byte 5000\)",
    ),
    Mutant(
        "encoding",
        "encoded_surrogate_bytes",
        text_edit(lambda r: r.replace(b'"family": "', b'"family": "\xed\xa0\x80', 1)),
        "error",
        r"not UTF-8 text",
    ),
    Mutant(
        "encoding",
        "lone_surrogate_escape",
        raw_edit(setter("Patient", "name[0].family", "__RAW_0__"), r'"Sm\ud800ith"'),
        "report",
        r"invalid Unicode \(a lone surrogate\) replaced by U\+FFFD at Patient\.name\[0\]\.family",
    ),
    Mutant(
        "encoding",
        "lone_surrogate_in_key",
        lambda base: dump(setter_applied(base, "Condition", "x", 1)).replace(b'"x"', b'"\\udc00x"'),
        "report",
        r"Condition\.\ufffdx",
    ),
    Mutant(
        "encoding",
        "nul_and_controls",
        edit(setter("Condition", "code.text", "Diab\u0000etes\u0007\u001b[31m")),
        "loaded",
    ),
    Mutant(
        "encoding",
        "valid_surrogate_pair_emoji",
        raw_edit(setter("Patient", "name[0].family", "__RAW_0__"), r'"Smith \ud83d\ude00"'),
        "loaded",
    ),
    # NDJSON with bad lines
    Mutant("ndjson", "clean_export", ndjson(), "loaded", suffix=".ndjson"),
    Mutant(
        "ndjson",
        "one_bad_line",
        ndjson(lambda ls: [*ls[:5], "{not json", *ls[5:]]),
        "report",
        r"line 6: invalid JSON at column 2",
        suffix=".ndjson",
    ),
    Mutant(
        "ndjson",
        "array_line",
        ndjson(lambda ls: [*ls[:5], "[1, 2]", *ls[5:]]),
        "report",
        r"line 6: line is not a JSON object",
        suffix=".ndjson",
    ),
    Mutant(
        "ndjson",
        "null_line",
        ndjson(lambda ls: [*ls[:2], "null", *ls[2:]]),
        "report",
        r"line 3: line is not a JSON object",
        suffix=".ndjson",
    ),
    Mutant(
        "ndjson",
        "blank_lines",
        ndjson(lambda ls: [x for line in ls for x in (line, "", "   ")]),
        "loaded",
        suffix=".ndjson",
    ),
    Mutant("ndjson", "crlf_endings", ndjson(sep="\r\n"), "loaded", suffix=".ndjson"),
    Mutant(
        "ndjson",
        "line_separators_inside_text",
        lambda base: ndjson()(setter_base(base, "Condition", "code.text", "Hyper\u2028tension\u0085\x0c")),
        "loaded",
        suffix=".ndjson",
    ),
    Mutant(
        "ndjson",
        "truncated_last_line",
        lambda base: ndjson()(base)[:-40],
        "report",
        r"invalid JSON at column \d+",
        suffix=".ndjson",
    ),
    Mutant(
        "ndjson",
        "bundle_as_a_line",
        ndjson(lambda ls: [*ls, json.dumps({"resourceType": "Bundle", "id": "b", "type": "collection"})]),
        "report",
        r"a Bundle nested inside a Bundle is not supported",
        suffix=".ndjson",
    ),
    Mutant(
        "ndjson",
        "bom_and_bundle_file_as_ndjson",
        text_edit(lambda r: b"\xef\xbb\xbf" + r),
        "report",
        r"line 1: invalid JSON",
        suffix=".ndjson",
    ),
    # empty files
    Mutant("empty", "zero_bytes_json", lambda base: b"", "error", r"the file is empty"),
    Mutant(
        "empty", "zero_bytes_ndjson", lambda base: b"", "error", r"the NDJSON file has no resources", suffix=".ndjson"
    ),
    Mutant("empty", "whitespace_only", lambda base: b" \n\t\n", "error", r"the file is empty"),
    Mutant("empty", "empty_object", lambda base: b"{}", "error", r"expected a FHIR Bundle, found None"),
    Mutant("empty", "empty_array", lambda base: b"[]", "error", r"expected a FHIR Bundle, found an array"),
    Mutant("empty", "json_null", lambda base: b"null", "error", r"expected a FHIR Bundle, found null"),
    Mutant("empty", "no_entries", edit(lambda b: b.update(entry=[])), "error", r"the Bundle has no entries"),
    Mutant("empty", "entry_missing", edit(lambda b: b.pop("entry")), "error", r"the Bundle has no entries"),
    Mutant(
        "empty",
        "only_null_entries",
        edit(lambda b: b.update(entry=[None, None])),
        "report",
        r"entry\[1\].*entry is not an object",
    ),
]


CATEGORIES = list(dict.fromkeys(m.category for m in MUTANTS))


# -- record edits the property test combines ---------------------------------------------------------


def _any_resource(b: Bundle, rng: random.Random) -> Resource:
    return rng.choice(b["entry"])["resource"] if b["entry"] else {}


def _odd_value(rng: random.Random) -> Any:
    return rng.choice([None, True, 0, -1.5, "", "x" * rng.randint(1, 50_000), [], {}, [None], {"a": [1]}, "2019-13-01"])


def set_odd_value(b: Bundle, rng: random.Random) -> None:
    r = _any_resource(b, rng)
    if r:
        r[rng.choice(sorted(r))] = _odd_value(rng)


def drop_key(b: Bundle, rng: random.Random) -> None:
    r = _any_resource(b, rng)
    if r:
        r.pop(rng.choice(sorted(r)))


def repeat_entry(b: Bundle, rng: random.Random) -> None:
    if b["entry"]:
        b["entry"].insert(rng.randrange(len(b["entry"])), copy.deepcopy(rng.choice(b["entry"])))


def change_copy(b: Bundle, rng: random.Random) -> None:
    if b["entry"]:
        again = copy.deepcopy(rng.choice(b["entry"]))
        again["resource"]["meta"] = {"versionId": str(rng.randint(2, 9))}
        b["entry"].append(again)


def drop_entry(b: Bundle, rng: random.Random) -> None:
    if b["entry"]:
        b["entry"].pop(rng.randrange(len(b["entry"])))


def retarget_reference(b: Bundle, rng: random.Random) -> None:
    r = _any_resource(b, rng)
    for key in ("subject", "patient", "encounter"):
        if isinstance(r.get(key), dict):
            r[key]["reference"] = rng.choice(
                ["urn:uuid:nobody", "Patient/x", "", "#c", rng.choice(b["entry"])["fullUrl"]]
            )


def nest_deeply(b: Bundle, rng: random.Random) -> None:
    r = _any_resource(b, rng)
    if r:
        r["extension"] = [nested(rng.choice([10, 60, 120, 400]), {"url": "u", "valueString": "x"})]


def rename_type(b: Bundle, rng: random.Random) -> None:
    r = _any_resource(b, rng)
    if r:
        r["resourceType"] = rng.choice(["MedicationOrder", "Patinet", "", "Bundle", "Basic", "Patient"])


COMPOSABLE: list[Callable[[Bundle, random.Random], None]] = [
    set_odd_value,
    drop_key,
    repeat_entry,
    change_copy,
    drop_entry,
    retarget_reference,
    nest_deeply,
    rename_type,
]
