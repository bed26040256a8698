"""FHIR R4 patient data: local bundles or any FHIR server behind one interface, rendered as compact,
citable Evidence lines and LangChain tools.

Typical use::

    source = open_source("patient_bundle.json")          # or "https://fhir.example.org/r4"
    pid = source.patient_ids()[0]
    print(render_patient_context(source, pid))
    tools = make_fhir_tools(source, pid)
"""

from medcite.tools.fhir import facts
from medcite.tools.fhir.context import (
    PatientSections,
    patient_sections,
    render_patient_context,
    render_sections,
)
from medcite.tools.fhir.errors import FhirServerError
from medcite.tools.fhir.json_input import InputLimits
from medcite.tools.fhir.langchain_tools import make_fhir_tools
from medcite.tools.fhir.local_source import LocalSource
from medcite.tools.fhir.open_source import open_source, pick_patient
from medcite.tools.fhir.query import SearchQuery
from medcite.tools.fhir.server_source import ServerSource
from medcite.tools.fhir.source import FhirSource, LoadIssue, LoadReport

__all__ = [
    "FhirServerError",
    "FhirSource",
    "InputLimits",
    "LoadIssue",
    "LoadReport",
    "LocalSource",
    "PatientSections",
    "SearchQuery",
    "ServerSource",
    "facts",
    "make_fhir_tools",
    "open_source",
    "patient_sections",
    "pick_patient",
    "render_patient_context",
    "render_sections",
]
