"""FHIR QA through the real graph with a scripted capable model: the drafts a capable model (MedGemma 27B,
GPT-4 class) writes for each task, correct or wrong, cited the way such models cite.

``correct_factory`` and ``wrong_factory`` plug into the evaluation like any system:
``python -m medcite eval fhir --agent tests.capable_drafts:correct_factory --run-name capable-correct``;
``unverified_factory`` is the other end: a model whose draft never verifies (an uncited sentence), so every
answer is the one rendered from the record or none.
The drafts are written from the task's gold (the model's knowledge is the test's); what is measured is the
graph's handling of them: verification, and whether the model's answer leads or the record's replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from medcite.agent.answer import Answer
from medcite.agent.assistant import Assistant
from medcite.core.settings import Settings
from medcite.evals.fhir.tasks import FhirTask
from medcite.tools.fhir.formatting import format_number
from tests.fakes import CapableScriptedChatModel

_NAME = re.compile(r"(?:most recent|two most recent|condition) \"?(.+?)\"? (?:result|measurements|encounter|currently)")
_OPPOSITE = {"increasing": "falling", "decreasing": "rising", "stable": "rising"}


def _name(task: FhirTask) -> str:
    found = _NAME.search(task.question)
    return found.group(1) if found else "result"


def _cite(keys: list[str]) -> str:
    return " ".join(f"[{k}]" for k in keys)


def draft(task: FhirTask, wrong: bool = False) -> str:
    """What a capable model writes for the task: the gold answer, or (``wrong``) a wrong one cited the same way:
    another value, date or count, the other status or direction, or one allergy left out."""
    g, name, cite = task.gold, _name(task), _cite(task.gold.resource_keys)
    if g.answer_type == "absent":
        return f"There is no record of {name} in the patient's chart." if name != "result" else "None is recorded."
    if g.answer_type == "quantity" and isinstance(g.value, float | int):
        value = format_number(float(g.value) * (1.5 if wrong else 1))
        return f"The patient's most recent {name} was {value} {g.unit} on {g.date} {cite}."
    if g.answer_type == "count" and isinstance(g.value, int):
        if g.value == 0:
            return "No active medication orders are recorded for the patient."
        return f"The patient has {g.value + 1 if wrong else g.value} active medication orders {cite}."
    if g.answer_type == "yes_no":
        active = (g.value == "yes") != wrong
        return f"Yes, {name} is currently active {cite}." if active else f"No, {name} is resolved {cite}."
    if g.answer_type == "date":
        year = int(str(g.value)[:4]) - (3 if wrong else 0)
        return f"The patient's most recent {name} encounter was on {year}{str(g.value)[4:]} {cite}."
    if g.answer_type == "list" and isinstance(g.value, list):
        items = list(zip(g.value, g.resource_keys, strict=True))
        shown = items[:-1] if wrong and len(items) > 1 else items
        return "The recorded allergies are: " + "; ".join(f"{v} [{k}]" for v, k in shown) + "."
    direction = _OPPOSITE[str(g.value)] if wrong else str(g.value)
    return f"Comparing the two most recent measurements, the patient's {name} is {direction} {cite}."


UNCITED = "The patient is doing well overall and the record looks reassuring."


def _factory(wrong: bool, uncited: bool = False) -> Callable[[Any], Callable[[FhirTask], Answer]]:
    def factory(env: Any) -> Callable[[FhirTask], Answer]:
        settings = env.settings.with_(max_steps=0) if env.settings else Settings.from_env(max_steps=0)
        sources: dict[Path, Any] = {}

        def answer(task: FhirTask) -> Answer:
            from medcite.tools.fhir import open_source

            source = sources.setdefault(task.bundle, open_source(task.bundle, settings))
            model = CapableScriptedChatModel(outputs=[UNCITED if uncited else draft(task, wrong)])
            bot = Assistant(
                source=source,
                patient_id=task.patient_id,
                settings=settings,
                model=model,
                retriever=False,
                checkpointer=InMemorySaver(),
            )
            return bot.ask(task.question, thread_id=task.id)

        return answer

    return factory


correct_factory = _factory(wrong=False)
wrong_factory = _factory(wrong=True)
unverified_factory = _factory(wrong=False, uncited=True)
