"""The synopsis prompt's record lines, most salient first.

Order: the patient; the latest note's assessment and plan (the clinician's own summary of the visit; summaries
gather only that section of the recent notes); active problems; active medications (with their reasons);
allergies; the results that
belong with the active problems (``problem_links``), newest first, then their procedures and the citable
absence of any such result the record lacks; other abnormal results (interpretation flag, or outside the
reference range), newest first; then the other results, newest first, resolved problems and stopped
medications. ``fit_evidence`` takes lines in this order while they fit the budget, so what is cut is the
least salient.

Lines are compacted for the prompt from their typed facts: a result shows its previous reading (with its
key) and the trend, not every earlier reading; codes are left out of labels. The evidence itself, which
the draft is checked against, is untouched.
"""

from __future__ import annotations

from medcite.agent.problem_links import (
    is_abnormal,
    is_linked_procedure,
    is_result_of,
    linked_result_names,
    links_of,
)
from medcite.core.evidence import (
    AllergyFact,
    Code,
    ConditionFact,
    Evidence,
    ImmunizationFact,
    MedicationFact,
    NoteFact,
    ObservationFact,
    PatientFact,
    ProcedureFact,
)
from medcite.tools.fhir import facts
from medcite.tools.fhir.lookups import status_codes


def _newest_first(items: list[Evidence]) -> list[Evidence]:
    dated = sorted((e for e in items if e.date), key=lambda e: e.date or "", reverse=True)
    return dated + [e for e in items if not e.date]


def _label_only(code: Code) -> Code:
    return Code(display=code.display) if code.display else code


def compact(ev: Evidence) -> Evidence:
    """The line as the synopsis prompt shows it: labels without codes, a result with its previous reading."""
    fact = ev.fact
    update: dict[str, object] = {}
    if isinstance(fact, ConditionFact | MedicationFact | AllergyFact | ProcedureFact | ObservationFact):
        update["code"] = _label_only(fact.code)
    if isinstance(fact, ObservationFact):
        update["earlier"] = fact.earlier[:1]
    return Evidence(key=ev.key, fact=fact.model_copy(update=update)) if update else ev


def synopsis_evidence(items: list[Evidence]) -> list[Evidence]:
    """Record lines for the synopsis prompt, most salient first, compacted (see the module docstring)."""
    earlier = {
        r.key for e in items if isinstance(e.fact, ObservationFact | ImmunizationFact) for r in e.fact.earlier
    }
    record = [e for e in items if e.source == "fhir" and e.key not in earlier]
    by_key = {e.key: e for e in record}

    def absence(ev: Evidence) -> list[Evidence]:
        return [by_key[ev.key]] if ev.key in by_key else []

    active_problem = set(status_codes("Condition", "active"))
    active_med = set(status_codes("MedicationRequest", "active"))
    problems = [e for e in record if isinstance(e.fact, ConditionFact) and e.fact.clinical_status in active_problem]
    medications = [e for e in record if isinstance(e.fact, MedicationFact) and e.fact.status in active_med]
    results = _newest_first([e for e in record if isinstance(e.fact, ObservationFact)])

    links = links_of(problems)
    names = linked_result_names(links)
    linked = [e for e in results if isinstance(e.fact, ObservationFact) and any(is_result_of(e.fact, n) for n in names)]
    procedures = [e for e in record if isinstance(e.fact, ProcedureFact) and is_linked_procedure(e.fact, links)]
    abnormal = [e for e in results if isinstance(e.fact, ObservationFact) and is_abnormal(e.fact)]

    ordered = [
        *[e for e in record if isinstance(e.fact, PatientFact)],
        *_newest_first([e for e in record if isinstance(e.fact, NoteFact)])[:1],
        *(problems or absence(facts.no_conditions("active"))),
        *(medications or absence(facts.no_medications("active"))),
        *([e for e in record if isinstance(e.fact, AllergyFact)] or absence(facts.no_allergies())),
        *linked,
        *_latest_per_code(_newest_first(procedures)),
        *[e for name in names for e in absence(facts.no_observations(name))],
        *abnormal,
        *(results or absence(facts.no_results())),
        *[e for e in record if isinstance(e.fact, ConditionFact)],
        *[e for e in record if isinstance(e.fact, MedicationFact)],
    ]
    once = {e.key: e for e in ordered}  # each line once, where it first comes
    return [compact(e) for e in once.values()]


def _latest_per_code(newest_first: list[Evidence]) -> list[Evidence]:
    seen: set[str] = set()
    out = []
    for ev in newest_first:
        assert isinstance(ev.fact, ProcedureFact)
        label = ev.fact.code.label()
        if label not in seen:
            seen.add(label)
            out.append(ev)
    return out
