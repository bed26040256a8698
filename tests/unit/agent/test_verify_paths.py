"""The summary and ask paths verify claims with the claim checker: a scripted stand-in for a capable model
(FakeScriptedChatModel, writing the way MedGemma / GPT-4-class models write) drafts over a real Synthea bundle."""

from __future__ import annotations

from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from medcite.agent.assistant import Assistant
from medcite.core.settings import Settings
from medcite.tools.fhir import open_source
from tests.conftest import SYNTHEA_DIR
from tests.fakes import FakeScriptedChatModel

SOURCE = open_source(SYNTHEA_DIR / "Edward_Gulgowski_43481611-2459-44f5-ab20-4b142dac160f.json")
HTN = "Condition/0894e750-c11a-49d4-848d-cbd4873da9fa"
HCTZ = "MedicationRequest/4c09067f-71ea-4fc7-86ea-28448c1ce191"
BP = "Observation/613b7f40-edd0-4281-802d-a33b582f533e"
EGFR = "Observation/f61642bb-18ba-4adf-b8b2-f73d9b139c16"


def capable_model(draft: str, tmp_path: Path) -> Assistant:
    settings = Settings.from_env(max_steps=0, data_dir=tmp_path)
    model = FakeScriptedChatModel(outputs=[draft])
    return Assistant(source=SOURCE, model=model, retriever=False, checkpointer=InMemorySaver(), settings=settings)


def test_summary_keeps_verified_claims_and_removes_the_rest(tmp_path: Path) -> None:
    draft = (
        f"He has HTN, diagnosed in March 2011 [{HTN}]. "
        f"He takes a thiazide diuretic, hydrochlorothiazide 25 mg [{HCTZ}]. "
        f"His blood pressure is well controlled at 149.8/113 mmHg [{BP}]. "
        "There are no allergies on file [none:allergies]. "
        f"His eGFR rose to 94.93 mL/min/1.73 m² [{EGFR}]."
    )
    summary = capable_model(draft, tmp_path).summarize()
    statuses = [c.status for c in summary.checks]
    assert statuses == ["verified", "verified", "unsupported_content", "verified", "unsupported_content"]
    assert summary.synopsis is not None
    assert "well controlled" not in summary.synopsis and "rose" not in summary.synopsis
    assert "none:allergies" in summary.cited_keys()
    reasons = " ".join(f.reason for f in summary.flags if f.kind == "removed_claim")
    assert "judgement" in reasons and "went from" in reasons


def test_ask_flags_an_unverifiable_claim_and_checks_an_abstention(tmp_path: Path) -> None:
    draft = (
        f"He is prescribed hydrochlorothiazide 25 mg once a day [{HCTZ}]. No HbA1c result is recorded in his record."
    )
    answer = capable_model(draft, tmp_path).ask("What medication does he take, and what is his HbA1c?")
    assert [c.status for c in answer.checks] == ["unverifiable", "abstention"]
    assert any(f.kind == "unverified_claim" and "no dosage" in f.reason for f in answer.flags)
    assert "once a day" not in answer.text
