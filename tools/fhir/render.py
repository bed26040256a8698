"""One resource -> one :class:`Evidence` line: ``[Type/id] date what: value or status``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from medcite.core.evidence import Evidence
from medcite.tools.fhir import observation_values as ov
from medcite.tools.fhir import resource_fields as rf
from medcite.tools.fhir.fhir_dates import day_of
from medcite.tools.fhir.formatting import (
    clean_text,
    concept_label,
    format_number,
    format_quantity,
    primary_coding,
)

Resource = dict[str, Any]
Resolve = Callable[[str], Resource | None]
SETTLED_OBSERVATION = frozenset({"final", "amended", "corrected"})


def _evidence(res: Resource, body: str, day: str | None, meta: dict[str, Any], shown: str | None = None) -> Evidence:
    """``shown`` is the date text after the key (default ``day``; a span such as '2019-03-11 to
    2019-03-14'; '' for none when the date is part of the body, as for problems and allergies)."""
    key = rf.resource_key(res)
    shown = day if shown is None else shown
    lead = f"[{key}] {shown} " if shown else f"[{key}] "
    return Evidence(
        key=key,
        text=lead + body,
        source="fhir",
        date=day,
        meta={"type": res["resourceType"], **meta},
    )


def _code_meta(concept: Any) -> dict[str, Any]:
    coding = primary_coding(concept)
    return {
        "code": coding.code if coding else None,
        "system": coding.system if coding else None,
        "display": clean_text(rf.concept_text(concept) or "") or None,
    }


def _reasons(res: Resource, resolve: Resolve | None) -> list[str]:
    found = [clean_text(rf.concept_text(c) or "", 80) for c in res.get("reasonCode") or []]
    for ref in res.get("reasonReference") or []:
        if not isinstance(ref, dict):
            continue
        text = ref.get("display")
        target = rf.reference_target(ref.get("reference", ""))
        if not text and target and resolve is not None:
            linked = resolve(f"{target[0]}/{target[1]}")
            text = rf.concept_text((linked or {}).get("code"))
        if text:
            found.append(clean_text(text, 80))
    return [r for r in dict.fromkeys(found) if r]


def _with_reasons(body: str, reasons: list[str]) -> str:
    return f"{body}; reason {', '.join(reasons)}" if reasons else body


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
    age = age_on(birth, on)
    parts = [name or "unnamed", clean_text(res.get("gender") or "gender unknown")]
    if birth:
        parts.append(f"born {birth}" + (f" (age {age})" if age is not None else ""))
    if deceased:
        parts.append(f"deceased {deceased}")
    marital = rf.concept_text(res.get("maritalStatus"))
    language = next((rf.concept_text(c.get("language")) for c in res.get("communication") or []), None)
    address: dict[str, Any] = next(iter(res.get("address") or []), {})
    place = ", ".join(clean_text(address[k]) for k in ("city", "state", "country") if address.get(k))
    body = ", ".join(parts)
    body += f"; marital status {clean_text(marital)}" if marital else ""
    body += f"; language {clean_text(language)}" if language else ""
    body += f"; {place}" if place else ""
    meta = {
        "name": name,
        "gender": res.get("gender"),
        "birth_date": birth,
        "age": age,
        "deceased": deceased,
        "marital_status": marital,
        "language": language,
        "place": place or None,
    }
    return _evidence(res, body, None, meta)


def condition(res: Resource) -> Evidence:
    status = rf.status(res) or "status unknown"
    onset, abated = (
        day_of(res.get("onsetDateTime") or res.get("onsetPeriod")),
        day_of(res.get("abatementDateTime") or res.get("abatementPeriod")),
    )
    verification = next((c.code for c in rf.codings_of(res.get("verificationStatus")) if c.code), None)
    body = f"{concept_label(res.get('code'))}: {status}"
    body += f", onset {onset}" if onset else ""
    body += f", abated {abated}" if abated else ""
    body += f", {verification}" if verification and verification != "confirmed" else ""
    meta = {
        **_code_meta(res.get("code")),
        "status": status,
        "verification": verification,
        "onset": onset,
        "abatement": abated,
        "category": next(iter(rf.categories(res)), None),
    }
    return _evidence(res, body, onset, meta, shown="")


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
    status = res.get("status") or "status unknown"
    dosage = _dosage(res)
    body = f"{concept_label(concept)}: {status}"
    body += f"; {dosage}" if dosage else ""
    reasons = _reasons(res, resolve)
    day = day_of(res.get("authoredOn"))
    meta = {
        **_code_meta(concept),
        "status": status,
        "intent": res.get("intent"),
        "authored": day,
        "dosage": dosage,
        "reasons": reasons,
    }
    return _evidence(res, _with_reasons(body, reasons), day, meta)


def allergy(res: Resource) -> Evidence:
    status = rf.status(res) or "status unknown"
    kinds = " ".join(clean_text(c) for c in res.get("category") or [] if isinstance(c, str))
    kind = " ".join(p for p in (kinds, res.get("type") or "allergy") if p)
    body = f"{concept_label(res.get('code'))}: {status} {kind}"
    body += f", criticality {res['criticality']}" if res.get("criticality") else ""
    recorded = day_of(res.get("recordedDate"))
    body += f", recorded {recorded}" if recorded else ""
    reactions = []
    for reaction in res.get("reaction") or []:
        for manifestation in reaction.get("manifestation") or []:
            text = clean_text(rf.concept_text(manifestation) or "", 60)
            severity = reaction.get("severity")
            reactions.append(f"{text} ({severity})" if severity else text)
    body += f"; reaction {', '.join(reactions)}" if reactions else ""
    meta = {
        **_code_meta(res.get("code")),
        "status": status,
        "category": kinds or None,
        "criticality": res.get("criticality"),
        "recorded": recorded,
        "reactions": reactions,
    }
    return _evidence(res, body, recorded, meta, shown="")


def immunization(res: Resource) -> Evidence:
    day = day_of(res.get("occurrenceDateTime"))
    status = res.get("status") or "status unknown"
    meta = {**_code_meta(res.get("vaccineCode")), "status": status}
    return _evidence(res, f"{concept_label(res.get('vaccineCode'))}: {status}", day, meta)


def _period_days(period: Any) -> tuple[str | None, str | None, str | None]:
    start = day_of((period or {}).get("start")) if isinstance(period, dict) else day_of(period)
    end = day_of(period.get("end")) if isinstance(period, dict) else None
    span = f"{start} to {end}" if start and end and end != start else start
    return span, start, end


def encounter(res: Resource, resolve: Resolve | None = None) -> Evidence:
    span, start, end = _period_days(res.get("period"))
    concept = next(iter(res.get("type") or []), None)
    klass = next((c.code for c in rf.codings_of(res.get("class")) if c.code), None)
    status = res.get("status") or "status unknown"
    body = f"{concept_label(concept)}: {status}" + (f", {clean_text(klass, 20)}" if klass else "")
    reasons = _reasons(res, resolve)
    meta = {
        **_code_meta(concept),
        "status": status,
        "class": klass,
        "start": start,
        "end": end,
        "reasons": reasons,
    }
    return _evidence(res, _with_reasons(body, reasons), start, meta, shown=span)


def procedure(res: Resource, resolve: Resolve | None = None) -> Evidence:
    span, start, end = _period_days(res.get("performedPeriod") or res.get("performedDateTime"))
    status = res.get("status") or "status unknown"
    reasons = _reasons(res, resolve)
    body = _with_reasons(f"{concept_label(res.get('code'))}: {status}", reasons)
    meta = {
        **_code_meta(res.get("code")),
        "status": status,
        "start": start,
        "end": end,
        "reasons": reasons,
    }
    return _evidence(res, body, start, meta, shown=span)


def observation(res: Resource, earlier: list[Resource] | None = None) -> Evidence:
    """An observation's value; with ``earlier`` results of the same code (newest first), the line
    also lists them and the trend from the previous result."""
    day = day_of(rf.date_value(res))
    vals = ov.values(res)
    status = res.get("status") or "status unknown"
    body = f"{concept_label(res.get('code'))}: {ov.full_text(vals)}"
    body += "" if status in SETTLED_OBSERVATION else f" ({status})"
    flags = [c.code for i in res.get("interpretation") or [] for c in rf.codings_of(i) if c.code]
    body += f", flag {'/'.join(clean_text(f, 10) for f in flags)}" if flags else ""
    ref_range = next(iter(res.get("referenceRange") or []), None)
    if isinstance(ref_range, dict) and (ref_range.get("low") or ref_range.get("high")):
        low = format_quantity(ref_range.get("low")) or ""
        high = format_quantity(ref_range.get("high")) or ""
        body += f" (ref {low}-{high})"
    previous = []
    for older in earlier or []:
        previous.append(
            {
                "key": rf.resource_key(older),
                "date": day_of(rf.date_value(older)),
                "value": ov.short_text(ov.values(older)),
            }
        )
    if previous:
        # Earlier values carry their own citation keys: every number on the line is traceable.
        body += "; previous " + ", ".join(f"{p['value']} ({p['date']}) [{p['key']}]" for p in previous)
        directions = ov.trend(vals, ov.values(earlier[0])) if earlier else None
        if directions:
            labels = [v.label for v in vals]
            body += "; trend " + (
                directions[0]
                if len(directions) == 1
                else ", ".join(f"{lbl} {d}" for lbl, d in zip(labels, directions, strict=True))
            )
    else:
        directions = None
    single = vals[0] if len(vals) == 1 and vals[0].label is None else None
    meta = {
        **_code_meta(res.get("code")),
        "status": status,
        "category": next(iter(rf.categories(res)), None),
        "value": single.number if single else None,
        "unit": single.unit if single else None,
        "value_text": ov.full_text(vals),
        "interpretation": flags or None,
        "components": [{"label": v.label, "value": v.number, "unit": v.unit, "text": v.text} for v in vals if v.label],
        "previous": previous,
        "trend": directions,
    }
    return _evidence(res, body, day, meta)


def generic(res: Resource) -> Evidence:
    """Any other clinical resource: its code (or type) and status."""
    concept = res.get("code") or next(iter(res.get("category") or []), None) or res.get("description")
    status = rf.status(res) or res.get("status") or "status unknown"
    day = day_of(rf.date_value(res))
    return _evidence(res, f"{concept_label(concept)}: {status}", day, {**_code_meta(concept), "status": status})


def render(res: Resource, resolve: Resolve | None = None, as_of: date | None = None) -> Evidence:
    """Dispatch on resourceType."""
    rtype = res.get("resourceType")
    if rtype == "Patient":
        return patient(res, as_of or date.today())
    if rtype == "Condition":
        return condition(res)
    if rtype in ("MedicationRequest", "MedicationStatement"):
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
    return generic(res)
