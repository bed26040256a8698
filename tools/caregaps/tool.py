"""The LangChain tool ``care_gaps``: the patient's USPSTF A/B preventive-care status as citable lines."""

from __future__ import annotations

from datetime import date

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from medcite.core.evidence import Evidence
from medcite.tools.caregaps.engine import care_gaps
from medcite.tools.caregaps.evidence import cited_entries, heading, report_evidence
from medcite.tools.caregaps.models import AsOf
from medcite.tools.fhir.source import FhirSource

DESCRIPTION = (
    "Preventive care the USPSTF recommends (grade A and B) for this patient: each applicable recommendation "
    "as due, up to date or unknown, with the last qualifying record entry and its date. Cite a line by its "
    "[caregap:...] key; it also cites the recommendation [guideline:...] and the record entries it used."
)


class CareGapArgs(BaseModel):
    as_of: date | None = Field(
        default=None, description="the date to compute care gaps for (YYYY-MM-DD); default: the session's date"
    )


TOOL_ARGS: dict[str, type[BaseModel]] = {"care_gaps": CareGapArgs}


def make_care_gap_tool(source: FhirSource, patient_id: str, default_as_of: AsOf | None = None) -> BaseTool:
    """``care_gaps`` bound to one patient; ``default_as_of`` is the date used when the call gives none
    (without either: today, or the record's last activity when that is over a year old)."""

    def care_gaps_tool(as_of: date | None = None) -> tuple[str, list[Evidence]]:
        report = care_gaps(source, patient_id, as_of=as_of or default_as_of)
        lines = report_evidence(report)
        entries = cited_entries(source, [g for g in report.gaps if g.applicable])
        return "\n".join([heading(report), *(e.text for e in lines)]), [*lines, *entries]

    tool: BaseTool = StructuredTool.from_function(
        func=care_gaps_tool,
        name="care_gaps",
        description=DESCRIPTION,
        args_schema=CareGapArgs,
        response_format="content_and_artifact",
    )
    return tool
