"""Evidence for the labelled claims set, gathered the way the graph's gather node gathers it.

``summary`` sentences get what ``medcite summarize`` gathers (every record section, earlier readings as keys of
their own); ``ask`` sentences get what the planner's calls for their question return. Guideline passages are
left out: every sentence of the set is about the record.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime

from medcite.agent.assistant import pick_patient
from medcite.agent.context import AgentContext
from medcite.agent.nodes.gather import gather
from medcite.agent.state import AgentState, evidence_of
from medcite.core.evidence import Evidence
from medcite.core.settings import Settings
from medcite.tools.fhir import FhirSource, make_fhir_tools, open_source

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MEDCITE_SHARED_DATA", ROOT.parent / "shared" / "data"))
BUNDLES = SHARED / "fhir_synthea_r4" / "bundles"
CLAIMS = ROOT / "tests" / "data" / "claims" / "claims.jsonl"


@cache
def _opened(bundle: str) -> tuple[FhirSource, str, AgentContext]:
    settings = Settings.from_env()
    source = open_source(BUNDLES / bundle, settings)
    pid = pick_patient(source, None)
    model: Any = None  # gather never calls the model
    tools = make_fhir_tools(source, pid)
    ctx = AgentContext(model=model, settings=settings, source=source, patient_id=pid, tools=tools)
    return source, pid, ctx


@cache
def gathered(bundle: str, mode: str, question: str = "") -> dict[str, Evidence]:
    """The evidence the gather node collects for one bundle in one mode (and question, for ``ask``)."""
    _, _, ctx = _opened(bundle)
    state: AgentState = {
        "mode": "summarize" if mode == "summary" else "ask",
        "question": question or "Summarize this patient's record.",
    }
    update = gather(state, runtime=Runtime(context=ctx))
    return evidence_of({"evidence": update["evidence"]})


if __name__ == "__main__":
    import sys

    bundle, mode, *rest = sys.argv[1:]
    for ev in gathered(bundle, mode, " ".join(rest)).values():
        print(ev.text)
