"""The ``dump`` baseline: answers every question with every record line of the patient, cited.

It holds every gold value somewhere in its text but asserts none of them, so an honest scorer gives it
no correct answer. Unlike the agent's fallback it does not mark its text as a list (``fallback`` stays
False): the scorer has to see from the text alone that no single answer is asserted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from threading import Lock
from typing import Any

from medcite.evals.answers import EvalAnswer
from medcite.evals.fhir.tasks import FhirTask
from medcite.tools.fhir import open_source, patient_sections

HEADER = "Record entries for this patient:"


class RecordDump:
    """Every line of the patient's compact context (``tools.fhir.patient_sections``), per source and patient."""

    def __init__(self, settings: Any = None, fhir_url: str | None = None) -> None:
        self.settings = settings
        self.fhir_url = fhir_url
        self._texts: dict[tuple[str, str], str] = {}
        self._lock = Lock()

    def text(self, bundle: Path, patient_id: str) -> str:
        location = self.fhir_url or str(bundle)
        key = (location, patient_id)
        with self._lock:
            if key not in self._texts:
                source = open_source(location, self.settings)
                lines = [e.text for e in patient_sections(source, patient_id).evidence()]
                self._texts[key] = "\n".join([HEADER, *(f"- {line}" for line in lines)])
            return self._texts[key]

    def __call__(self, task: FhirTask) -> EvalAnswer:
        return EvalAnswer(text=self.text(task.bundle, task.patient_id))


def dump_factory(env: Any) -> Callable[[FhirTask], EvalAnswer]:
    """Registry entry ``dump``: reads the task's bundle, or ``env.fhir_url`` when given."""
    return RecordDump(getattr(env, "settings", None), getattr(env, "fhir_url", None))
