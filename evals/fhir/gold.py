"""Generate FHIR QA tasks with gold answers computed directly from the raw bundle JSON.

Rules (which labs, encounter kinds, how many per bundle, question wording) are in
``evals/data/fhir_tasks.json``. Every gold names the resources that hold the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from medcite.core.errors import InputError
from medcite.evals.data import load_data
from medcite.evals.fhir.notes_gold import note_tasks
from medcite.evals.fhir.raw_bundle import (
    RawBundle,
    Resource,
    concept_text,
    day,
    effective_instant,
    first_code,
    read_bundle,
    resource_key,
    status_code,
)
from medcite.evals.fhir.tasks import NOT_IN_RECORD, FhirTask, Gold, TaskKind

LOINC = "http://loinc.org"
ACTIVE_CONDITION = {"active", "recurrence", "relapse"}


def rules() -> dict[str, Any]:
    return dict(load_data("fhir_tasks"))


# --- raw facts ---------------------------------------------------------------------------------------


def quantity_series(bundle: RawBundle, loinc: str) -> list[tuple[str, float, str, str]]:
    """``(instant, value, unit, key)`` of the patient's quantity Observations with a LOINC code, oldest first."""
    out = []
    for obs in bundle.of_type("Observation"):
        if first_code(obs.get("code"), LOINC) != loinc or status_code(obs, "status") == "entered-in-error":
            continue
        qty = obs.get("valueQuantity")
        instant = effective_instant(obs)
        if not isinstance(qty, dict) or qty.get("value") is None or not instant:
            continue
        out.append((instant, float(qty["value"]), str(qty.get("unit") or qty.get("code") or ""), resource_key(obs)))
    return sorted(out, key=lambda t: t[0])


def latest_quantity(bundle: RawBundle, loinc: str) -> Gold | None:
    """The newest value; None when absent or when same-time results disagree (no single answer)."""
    series = quantity_series(bundle, loinc)
    if not series:
        return None
    instant, value, unit, _ = series[-1]
    same = [s for s in series if s[0] == instant]
    if len({s[1] for s in same}) > 1:
        return None
    return Gold(
        answer_type="quantity",
        value=value,
        unit=unit,
        date=day(instant),
        resource_keys=[s[3] for s in same],
    )


def trend(bundle: RawBundle, loinc: str, stable_within: float) -> Gold | None:
    """Direction between the two newest measurements on different dates (relative change within ``stable_within``
    of the older value is ``stable``)."""
    by_day: dict[str, tuple[str, float, str, str]] = {}
    for s in quantity_series(bundle, loinc):
        by_day[day(s[0]) or ""] = s  # the last one of a day
    points = [by_day[d] for d in sorted(by_day)]
    if len(points) < 2:
        return None
    (_, old, unit, old_key), (new_instant, new, _, new_key) = points[-2], points[-1]
    change = (new - old) / abs(old) if old else float("inf")
    direction = "stable" if abs(change) <= stable_within else ("increasing" if new > old else "decreasing")
    return Gold(
        answer_type="trend",
        value=direction,
        unit=unit,
        date=day(new_instant),
        resource_keys=[old_key, new_key],
        detail=f"{old:g} → {new:g} {unit}",
    )


def active_medications(bundle: RawBundle) -> list[Resource]:
    return [m for m in bundle.of_type("MedicationRequest") if status_code(m, "status") == "active"]


def medication_name(med: Resource) -> str:
    return concept_text(med.get("medicationCodeableConcept")) or str(
        (med.get("medicationReference") or {}).get("display", "")
    )


def conditions_by_name(bundle: RawBundle) -> dict[str, list[Resource]]:
    out: dict[str, list[Resource]] = {}
    for cond in bundle.of_type("Condition"):
        if status_code(cond, "verificationStatus") == "entered-in-error":
            continue
        out.setdefault(concept_text(cond.get("code")), []).append(cond)
    return out


def is_active_condition(cond: Resource) -> bool:
    return status_code(cond, "clinicalStatus") in ACTIVE_CONDITION


def active_allergies(bundle: RawBundle) -> list[Resource]:
    return [
        a
        for a in bundle.of_type("AllergyIntolerance")
        if status_code(a, "clinicalStatus") in (None, "active")
        and status_code(a, "verificationStatus") not in ("refuted", "entered-in-error")
    ]


def encounters_of(bundle: RawBundle, classes: Iterable[str]) -> list[Resource]:
    wanted = set(classes)
    return [e for e in bundle.of_type("Encounter") if (e.get("class") or {}).get("code") in wanted]


def last_encounter(bundle: RawBundle, classes: Iterable[str]) -> Gold | None:
    dated = [(d, e) for e in encounters_of(bundle, classes) if (d := day(effective_instant(e)))]
    if not dated:
        return None
    latest = max(d for d, _ in dated)
    return Gold(
        answer_type="date",
        value=str(latest),
        date=latest,
        resource_keys=[resource_key(e) for d, e in dated if d == latest],
    )


# --- task generation ---------------------------------------------------------------------------------


def _absent(detail: str) -> Gold:
    return Gold(answer_type="absent", value=NOT_IN_RECORD, detail=detail)


def bundle_tasks(path: Path) -> list[FhirTask]:
    """All tasks for one bundle, in a fixed order with stable ids ``<bundle stem>#<kind>-<n>``."""
    bundle = read_bundle(Path(path))
    r = rules()
    q = r["questions"]
    made: list[tuple[TaskKind, str, Gold]] = []

    labs = [(lab, g) for lab in r["labs"] if (g := latest_quantity(bundle, lab["loinc"])) is not None]
    for lab, gold in labs[: r["labs_per_bundle"]]:
        made.append(("latest_lab", q["latest_lab"].format(name=lab["name"]), gold))
    for lab in r["absent_labs"]:
        if not quantity_series(bundle, lab["loinc"]):
            made.append(("absent_lab", q["absent_lab"].format(name=lab["name"]), _absent(f"no {lab['loinc']} result")))
            break

    meds = bundle.of_type("MedicationRequest")
    if meds:
        active = active_medications(bundle)
        gold = Gold(
            answer_type="count",
            value=len(active),
            resource_keys=[resource_key(m) for m in active] or [resource_key(m) for m in meds],
            detail="; ".join(medication_name(m) for m in active),
        )
        made.append(("active_med_count", q["active_med_count"], gold))
    else:
        made.append(("absent_medication", q["absent_medication"], _absent("no MedicationRequest")))

    made += _condition_tasks(bundle, q["condition_active"], r["conditions_per_bundle"])

    for kind in r["encounter_kinds"]:
        gold_enc = last_encounter(bundle, kind["class"])
        if gold_enc is not None:
            made.append(("last_encounter", q["last_encounter"].format(name=kind["name"]), gold_enc))
    missing = [k for k in r["encounter_kinds"] if last_encounter(bundle, k["class"]) is None]
    if missing:
        made.append(
            (
                "absent_encounter",
                q["absent_encounter"].format(name=missing[0]["name"]),
                _absent(f"no {missing[0]['name']} Encounter"),
            )
        )

    allergies = active_allergies(bundle)
    if allergies:
        gold = Gold(
            answer_type="list",
            value=[concept_text(a.get("code")) for a in allergies],
            resource_keys=[resource_key(a) for a in allergies],
        )
        made.append(("allergy_list", q["allergy_list"], gold))
    else:
        made.append(("absent_allergy", q["absent_allergy"], _absent("no AllergyIntolerance")))

    for spec in r["trends"]:
        gold_trend = trend(bundle, spec["loinc"], r["trend_stable_within"])
        if gold_trend is not None:
            made.append(("trend", q["trend"].format(name=spec["name"]), gold_trend))
            break

    made += note_tasks(bundle, q)

    counts: dict[str, int] = {}
    tasks = []
    for kind, question, gold in made:
        counts[kind] = counts.get(kind, 0) + 1
        tasks.append(
            FhirTask(
                id=f"{bundle.path.stem}#{kind}-{counts[kind]}",
                kind=kind,
                bundle=bundle.path,
                patient_id=bundle.patient_id,
                question=question,
                gold=gold,
            )
        )
    return tasks


def _condition_tasks(bundle: RawBundle, template: str, limit: int) -> list[tuple[TaskKind, str, Gold]]:
    """Up to ``limit`` conditions, active ones and resolved ones alternating (first seen first)."""
    active, resolved = [], []
    for name, conds in conditions_by_name(bundle).items():
        current = [c for c in conds if is_active_condition(c)]
        if current:
            active.append(
                (name, Gold(answer_type="yes_no", value="yes", resource_keys=[resource_key(c) for c in current]))
            )
        else:
            resolved.append(
                (name, Gold(answer_type="yes_no", value="no", resource_keys=[resource_key(c) for c in conds]))
            )
    picked = [x for pair in zip(active, resolved, strict=False) for x in pair]
    picked += active[len(picked) // 2 :] + resolved[len(picked) // 2 :]
    return [("condition_active", template.format(name=name), gold) for name, gold in picked[:limit]]


def generate_tasks(bundles: Iterable[Path]) -> list[FhirTask]:
    """Tasks for every bundle (sorted by file name)."""
    paths = sorted(Path(p) for p in bundles)
    if not paths:
        raise InputError("no FHIR bundles given to generate tasks from")
    return [t for p in paths for t in bundle_tasks(p)]


def bundles_in(folder: Path) -> list[Path]:
    paths = sorted(Path(folder).glob("*.json"))
    if not paths:
        raise InputError(f"no *.json FHIR bundles in {folder}")
    return paths
