"""The compact, citable patient context: every section the summarizer renders, as Evidence lists.

A section the record holds nothing for carries the citable "none recorded" fact of its search
(``none:allergies``, ...), so a statement that something is absent can be checked like any other."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from medcite.core.evidence import Evidence
from medcite.tools.fhir import facts
from medcite.tools.fhir.formatting import clean_text
from medcite.tools.fhir.source import FhirSource

RECENT_ENCOUNTERS = 10
RECENT_PROCEDURES = 10
RECENT_NOTES = 3
RECENT_CARE_PLANS = 5
RECENT_ADMINISTRATIONS = 5
MAX_ISSUES_SHOWN = 5


class PatientSections(BaseModel):
    """One patient's facts by section; each list is in display order."""

    patient: Evidence
    active_problems: list[Evidence] = Field(description="active disorders (not findings or situations)")
    resolved_problems: list[Evidence]
    findings: list[Evidence] = Field(description="social and situational findings, active then resolved")
    active_medications: list[Evidence]
    stopped_medications: list[Evidence]
    allergies: list[Evidence]
    latest_results: list[Evidence] = Field(description="latest value of every observation code, with trend")
    encounters: list[Evidence] = Field(description=f"the {RECENT_ENCOUNTERS} most recent")
    immunizations: list[Evidence] = Field(description="latest dose of each vaccine")
    procedures: list[Evidence] = Field(description=f"the {RECENT_PROCEDURES} most recent")
    recent_notes: list[Evidence] = Field(description=f"assessment and plan of the {RECENT_NOTES} latest notes")
    care_plans: list[Evidence] = Field(description="care plans (active first) and goals")
    devices: list[Evidence]
    administrations: list[Evidence] = Field(description=f"the {RECENT_ADMINISTRATIONS} latest medications given")
    data_issues: list[str] = Field(default_factory=list, description="what the source left out, if anything")

    def evidence(self) -> list[Evidence]:
        """Every line, in section order."""
        out = [self.patient]
        for _, lines in self.titled():
            out.extend(lines)
        return out

    def titled(self) -> list[tuple[str, list[Evidence]]]:
        return [
            ("Active problems", self.active_problems),
            ("Active medications", self.active_medications),
            ("Allergies", self.allergies),
            ("Latest results (vital signs, labs; earlier values and trend)", self.latest_results),
            (f"Recent notes (assessment and plan of the latest {RECENT_NOTES})", self.recent_notes),
            ("Care plans and goals", self.care_plans),
            ("Social history and findings", self.findings),
            ("Resolved problems", self.resolved_problems),
            ("Stopped medications", self.stopped_medications),
            (f"Medications administered (last {RECENT_ADMINISTRATIONS})", self.administrations),
            ("Devices", self.devices),
            (f"Recent encounters (last {RECENT_ENCOUNTERS})", self.encounters),
            ("Immunizations (latest dose of each)", self.immunizations),
            (f"Recent procedures (last {RECENT_PROCEDURES})", self.procedures),
        ]


def patient_sections(source: FhirSource, patient_id: str, as_of: date | None = None) -> PatientSections:
    issues = source.report.excluded
    shown = [clean_text(i, 300) for i in issues[:MAX_ISSUES_SHOWN]]
    if len(issues) > MAX_ISSUES_SHOWN:
        shown.append(f"... and {len(issues) - MAX_ISSUES_SHOWN} more resources left out")
    active, active_findings = facts.problems_and_findings(source, patient_id, "active")
    resolved, resolved_findings = facts.problems_and_findings(source, patient_id, "resolved")
    plans = facts.care_plans(source, patient_id, RECENT_CARE_PLANS) + facts.goals(source, patient_id)
    return PatientSections(
        patient=facts.demographics(source, patient_id, as_of)[0],
        active_problems=active or [facts.no_problems("active")],
        resolved_problems=resolved or [facts.no_problems("resolved")],
        findings=active_findings + resolved_findings or [facts.no_findings()],
        active_medications=facts.medications(source, patient_id, "active") or [facts.no_medications("active")],
        stopped_medications=facts.medications(source, patient_id, "stopped") or [facts.no_medications("stopped")],
        allergies=facts.allergies(source, patient_id) or [facts.no_allergies()],
        latest_results=facts.latest_results(source, patient_id) or [facts.no_results()],
        encounters=facts.encounters(source, patient_id, latest_n=RECENT_ENCOUNTERS)
        or [facts.nothing_in_window("Encounter")],
        immunizations=facts.latest_immunizations(source, patient_id) or [facts.nothing_in_window("Immunization")],
        procedures=facts.procedures(source, patient_id, latest_n=RECENT_PROCEDURES)
        or [facts.nothing_in_window("Procedure")],
        recent_notes=facts.recent_assessments(source, patient_id, RECENT_NOTES) or [facts.no_notes()],
        care_plans=plans or [facts.nothing_in_window("CarePlan")],
        devices=facts.devices(source, patient_id) or [facts.nothing_in_window("Device")],
        administrations=facts.administrations(source, patient_id, latest_n=RECENT_ADMINISTRATIONS)
        or [facts.nothing_in_window("MedicationAdministration")],
        data_issues=shown,
    )


def render_sections(sections: PatientSections) -> str:
    lines = ["Patient", sections.patient.text]
    for title, items in sections.titled():
        lines += ["", title, *(e.text for e in items)]
    if sections.data_issues:
        lines += ["", "Left out of this record (invalid input)", *sections.data_issues]
    return "\n".join(lines)


def render_patient_context(source: FhirSource, patient_id: str, as_of: date | None = None) -> str:
    """The whole compact context for one patient: one citable line per fact, under titles."""
    return render_sections(patient_sections(source, patient_id, as_of))
