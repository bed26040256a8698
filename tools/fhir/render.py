"""One resource -> one :class:`Evidence` with its typed fact; the line ``[Type/id] date what: value``
is rendered from the fact (see :mod:`medcite.core.evidence`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from medcite.core.evidence import (
    AllergyFact,
    CarePlanFact,
    Code,
    ConditionFact,
    EncounterFact,
    Evidence,
    Fact,
    ImmunizationFact,
    MedicationFact,
    NoteFact,
    ObservationFact,
    PatientFact,
    ProcedureFact,
    Reading,
    ReferenceRange,
    ResourceFact,
)
from medcite.tools.fhir import observation_values as ov
from medcite.tools.fhir import resource_fields as rf
from medcite.tools.fhir.fhir_dates import day_of
from medcite.tools.fhir.formatting import clean_text, format_number, format_quantity, primary_coding, system_label
from medcite.tools.fhir.note_sections import split_sections
from medcite.tools.fhir.notes import ClinicalNote

Resource = dict[str, Any]
Resolve = Callable[[str], Resource | None]


def _evidence(res: Resource, fact: Fact) -> Evidence:
    return Evidence(key=rf.resource_key(res), fact=fact)


def code_of(concept: Any) -> Code:
    """The concept's text and first code, cleaned for display."""
    coding = primary_coding(concept)
    return Code(
        display=clean_text(rf.concept_text(concept) or "") or None,
        system=coding.system if coding else None,
        code=clean_text(coding.code, 40) if coding and coding.code else None,
        system_label=system_label(coding.system) if coding else None,
    )


def _linked_names(refs: Any, resolve: Resolve | None) -> list[str]:
    """Names of referenced resources: the reference's display, else the target's code."""
    found = []
    for ref in refs or []:
        if not isinstance(ref, dict):
            continue
        text = ref.get("display")
        target = rf.reference_target(ref.get("reference", ""))
        if not text and target and resolve is not None:
            linked = resolve(f"{target[0]}/{target[1]}")
            text = rf.concept_text((linked or {}).get("code"))
        if text:
            found.append(clean_text(text, 80))
    return found


def _reasons(res: Resource, resolve: Resolve | None) -> list[str]:
    found = [clean_text(rf.concept_text(c) or "", 80) for c in res.get("reasonCode") or []]
    found += _linked_names(res.get("reasonReference"), resolve)
    return [r for r in dict.fromkeys(found) if r]


def age_on(birth: str | None, on: date) -> int | None:
    if not birth or len(birth) < 10:
        return None
    y, m, d = (int(x) for x in birth[:10].split("-"))
    return on.year - y - ((on.month, on.day) < (m, d))


def patient(res: Resource, as_of: date) -> Evidence:
    names = [n for n in res.get("name") or [] if isinstance(n, dict)]
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    name = clean_text(official.get("text") or " ".join([*official.get("given", []), official.get("family", "")]))
    birth = res.get("birthDate")
    deceased = day_of(res.get("deceasedDateTime"))
    if deceased is None and res.get("deceasedBoolean"):
        deceased = "yes"
    on = date.fromisoformat(deceased) if deceased and deceased != "yes" else as_of
    marital = rf.concept_text(res.get("maritalStatus"))
    language = next((rf.concept_text(c.get("language")) for c in res.get("communication") or []), None)
    address: dict[str, Any] = next(iter(res.get("address") or []), {})
    place = ", ".join(clean_text(address[k]) for k in ("city", "state", "country") if address.get(k))
    fact = PatientFact(
        name=name,
        gender=clean_text(res["gender"]) if res.get("gender") else None,
        birth_date=birth,
        age=age_on(birth, on),
        as_of=as_of.isoformat(),
        deceased=deceased,
        marital_status=clean_text(marital) if marital else None,
        language=clean_text(language) if language else None,
        place=place or None,
    )
    return _evidence(res, fact)


def condition(res: Resource) -> Evidence:
    fact = ConditionFact(
        code=code_of(res.get("code")),
        clinical_status=rf.status(res) or "status unknown",
        verification=next((c.code for c in rf.codings_of(res.get("verificationStatus")) if c.code), None),
        onset=day_of(res.get("onsetDateTime") or res.get("onsetPeriod")),
        abatement=day_of(res.get("abatementDateTime") or res.get("abatementPeriod")),
        category=next(iter(rf.categories(res)), None),
    )
    return _evidence(res, fact)


def _dosage(res: Resource) -> str | None:
    dosage = next(iter(res.get("dosageInstruction") or []), None)
    if not isinstance(dosage, dict):
        return None
    if dosage.get("text"):
        return clean_text(dosage["text"], 100)
    parts = []
    dose = next(
        (d.get("doseQuantity") for d in dosage.get("doseAndRate") or [] if d.get("doseQuantity")),
        None,
    )
    if dose:
        parts.append(f"dose {format_quantity(dose)}")
    repeat = (dosage.get("timing") or {}).get("repeat") or {}
    if repeat.get("frequency") and repeat.get("period"):
        period = format_number(repeat["period"])
        parts.append(f"{repeat['frequency']} times per {period} {repeat.get('periodUnit', '')}".strip())
    if dosage.get("asNeededBoolean"):
        parts.append("as needed")
    return ", ".join(parts) or None


def medication(res: Resource, resolve: Resolve | None = None) -> Evidence:
    concept = res.get("medicationCodeableConcept")
    ref = res.get("medicationReference")
    if concept is None and isinstance(ref, dict):
        target = rf.reference_target(ref.get("reference", ""))
        linked = resolve(f"{target[0]}/{target[1]}") if target and resolve else None
        concept = (linked or {}).get("code") or {"text": ref.get("display") or "unnamed medication"}
    fact = MedicationFact(
        code=code_of(concept),
        status=res.get("status") or "status unknown",
        intent=res.get("intent"),
        authored=day_of(res.get("authoredOn") or res.get("effectiveDateTime") or res.get("effectivePeriod")),
        dosage=_dosage(res),
        reasons=_reasons(res, resolve),
    )
    return _evidence(res, fact)


def allergy(res: Resource) -> Evidence:
    reactions = []
    for reaction in res.get("reaction") or []:
        for manifestation in reaction.get("manifestation") or []:
            text = clean_text(rf.concept_text(manifestation) or "", 60)
            severity = reaction.get("severity")
            reactions.append(f"{text} ({severity})" if severity else text)
    fact = AllergyFact(
        code=code_of(res.get("code")),
        clinical_status=rf.status(res) or "status unknown",
        categories=[clean_text(c) for c in res.get("category") or [] if isinstance(c, str)],
        allergy_type=res.get("type") or "allergy",
        criticality=res.get("criticality"),
        recorded=day_of(res.get("recordedDate")),
        reactions=reactions,
    )
    return _evidence(res, fact)


def immunization(res: Resource, earlier: list[Resource] | None = None) -> Evidence:
    """A dose; with ``earlier`` doses of the same vaccine (newest first) the line counts and cites them."""
    doses = [
        Reading(key=rf.resource_key(r), date=day_of(r.get("occurrenceDateTime")), status=r.get("status"))
        for r in earlier or []
    ]
    fact = ImmunizationFact(
        code=code_of(res.get("vaccineCode")),
        status=res.get("status") or "status unknown",
        occurrence=day_of(res.get("occurrenceDateTime")),
        earlier=doses,
    )
    return _evidence(res, fact)


def _period_days(period: Any) -> tuple[str | None, str | None]:
    start = day_of((period or {}).get("start")) if isinstance(period, dict) else day_of(period)
    end = day_of(period.get("end")) if isinstance(period, dict) else None
    return start, end


def encounter(res: Resource, resolve: Resolve | None = None) -> Evidence:
    start, end = _period_days(res.get("period"))
    klass = next((c.code for c in rf.codings_of(res.get("class")) if c.code), None)
    fact = EncounterFact(
        code=code_of(next(iter(res.get("type") or []), None)),
        status=res.get("status") or "status unknown",
        encounter_class=clean_text(klass, 20) if klass else None,
        start=start,
        end=end,
        reasons=_reasons(res, resolve),
    )
    return _evidence(res, fact)


def procedure(res: Resource, resolve: Resolve | None = None) -> Evidence:
    start, end = _period_days(res.get("performedPeriod") or res.get("performedDateTime"))
    fact = ProcedureFact(
        code=code_of(res.get("code")),
        status=res.get("status") or "status unknown",
        start=start,
        end=end,
        reasons=_reasons(res, resolve),
    )
    return _evidence(res, fact)


def _reference_range(res: Resource) -> ReferenceRange | None:
    ref_range = next(iter(res.get("referenceRange") or []), None)
    if not isinstance(ref_range, dict) or not (ref_range.get("low") or ref_range.get("high")):
        return None
    low, high = ref_range.get("low") or {}, ref_range.get("high") or {}
    return ReferenceRange(
        low=low.get("value") if isinstance(low, dict) else None,
        high=high.get("value") if isinstance(high, dict) else None,
        text=f"{format_quantity(low) or ''}-{format_quantity(high) or ''}",
    )


def observation(res: Resource, earlier: list[Resource] | None = None) -> Evidence:
    """An observation's values; with ``earlier`` results of the same code (newest first), the fact also
    holds them and the trend from the previous result."""
    vals = ov.values(res)
    readings = []
    for older in earlier or []:
        older_vals = ov.values(older)
        readings.append(
            Reading(
                key=rf.resource_key(older),
                date=day_of(rf.date_value(older)),
                status=older.get("status"),
                values=older_vals,
                short_text=ov.short_text(older_vals),
            )
        )
    fact = ObservationFact(
        code=code_of(res.get("code")),
        category=next(iter(rf.categories(res)), None),
        status=res.get("status") or "status unknown",
        effective=day_of(rf.date_value(res)),
        values=vals,
        interpretation=[
            clean_text(c.code, 10) for i in res.get("interpretation") or [] for c in rf.codings_of(i) if c.code
        ],
        reference_range=_reference_range(res),
        earlier=readings,
        trend=ov.trend(vals, readings[0].values) if readings else None,
    )
    return _evidence(res, fact)


def generic(res: Resource) -> Evidence:
    """Any other clinical resource: its code (or type, or description) and status."""
    concept = (
        res.get("code")
        or res.get("type")
        or next(iter(res.get("category") or []), None)
        or res.get("description")
        or next(({"text": n.get("name")} for n in res.get("deviceName") or [] if isinstance(n, dict)), None)
    )
    goal_status = res.get("lifecycleStatus")
    achievement = rf.concept_text(res.get("achievementStatus"))
    status = rf.status(res) or res.get("status") or goal_status or "status unknown"
    fact = ResourceFact(
        resource_type=str(res.get("resourceType")),
        code=code_of(concept),
        status=f"{status}, {clean_text(achievement, 40)}" if achievement else status,
        recorded=day_of(rf.date_value(res)),
    )
    return _evidence(res, fact)


def care_plan(res: Resource, resolve: Resolve | None = None) -> Evidence:
    """A care plan: its kind (the coded category, else the title), status, period, problems and activities."""
    coded = [c for c in res.get("category") or [] if any(x.display for x in rf.codings_of(c)) or c.get("text")]
    concept = next(iter(coded), None) or {"text": res.get("title") or res.get("description") or "care plan"}
    activities = []
    for activity in res.get("activity") or []:
        detail = activity.get("detail") if isinstance(activity, dict) else None
        if isinstance(detail, dict):
            name = clean_text(rf.concept_text(detail.get("code")) or detail.get("description") or "activity", 80)
            activities.append(f"{name} ({detail['status']})" if detail.get("status") else name)
        elif isinstance(activity, dict) and isinstance(activity.get("reference"), dict):
            activities.append(clean_text(activity["reference"].get("display") or "linked request", 80))
    start, end = _period_days(res.get("period"))
    fact = CarePlanFact(
        code=code_of(concept),
        status=res.get("status") or "status unknown",
        intent=res.get("intent"),
        start=start,
        end=end,
        addresses=list(dict.fromkeys(_linked_names(res.get("addresses"), resolve))),
        activities=list(dict.fromkeys(activities)),
    )
    return _evidence(res, fact)


def note_sections(note: ClinicalNote) -> list[Evidence]:
    """One evidence item per section of a note (``DocumentReference/<id>#<slug>``), in document order;
    a note whose text could not be read is one item keyed by the note, saying why."""
    base = NoteFact(
        note_type=note.note_type,
        note_type_code=note.note_type_code,
        written=note.written,
        author=note.author,
        status=note.status,
        content_type=note.content_type,
        also_in=list(note.also_in),
    )
    if note.text is None:
        return [Evidence(key=note.key, fact=base.model_copy(update={"unread": note.unread or "no text"}))]
    return [
        Evidence(key=f"{note.key}#{s.slug}", fact=base.model_copy(update={"section": s.title, "text": s.text}))
        for s in split_sections(note.text)
    ]


def render(res: Resource, resolve: Resolve | None = None, as_of: date | None = None) -> Evidence:
    """Dispatch on resourceType."""
    rtype = res.get("resourceType")
    if rtype == "Patient":
        return patient(res, as_of or date.today())
    if rtype == "Condition":
        return condition(res)
    if rtype in ("MedicationRequest", "MedicationStatement", "MedicationAdministration"):
        return medication(res, resolve)
    if rtype == "AllergyIntolerance":
        return allergy(res)
    if rtype == "Immunization":
        return immunization(res)
    if rtype == "Encounter":
        return encounter(res, resolve)
    if rtype == "Procedure":
        return procedure(res, resolve)
    if rtype == "Observation":
        return observation(res)
    if rtype == "CarePlan":
        return care_plan(res, resolve)
    return generic(res)
