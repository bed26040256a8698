"""The agent as the evaluations call it: ``medcite eval fhir|summaries --agent medcite``.

This module is part of the composition root: the only place that wires the agent into the evaluations.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from langgraph.checkpoint.memory import InMemorySaver

from medcite.agent.answer import Answer
from medcite.agent.assistant import Assistant
from medcite.agent.context import GuidelineSearch
from medcite.evals.registry import DEFAULT_AGENT, register_fhir_agent, register_summarizer


class _Env(Protocol):
    @property
    def settings(self) -> Any: ...

    @property
    def fhir_url(self) -> str | None: ...


class _Target(Protocol):
    @property
    def bundle(self) -> Path: ...

    @property
    def patient_id(self) -> str: ...


class _Assistants:
    """One Assistant per (source, patient), sharing the model and the guideline retriever."""

    def __init__(self, env: _Env, guidelines: bool) -> None:
        self.env = env
        self.retriever: GuidelineSearch | None = None
        if guidelines:
            from medcite.corpora import open_guidelines

            self.retriever = open_guidelines(env.settings)
        self._cache: dict[tuple[str, str], Assistant] = {}

    def get(self, target: _Target) -> Assistant:
        source = self.env.fhir_url or str(target.bundle)
        key = (source, target.patient_id)
        if key not in self._cache:
            self._cache[key] = Assistant(
                source=source,
                patient_id=target.patient_id,
                settings=self.env.settings,
                retriever=self.retriever or False,
                checkpointer=InMemorySaver(),
            )
        return self._cache[key]


def fhir_answer_factory(env: _Env) -> Callable[[Any], Answer]:
    """FHIR QA: each task is one question in its own conversation thread (no guideline search)."""
    assistants = _Assistants(env, guidelines=False)

    def answer(task: Any) -> Answer:
        return assistants.get(task).ask(task.question, thread_id=f"eval-{task.id}")

    return answer


def summary_factory(env: _Env) -> Callable[[Any], Answer]:
    """Summary faithfulness: the full ``summarize`` pipeline, guideline passages included."""
    assistants = _Assistants(env, guidelines=True)

    def summarize(target: Any) -> Answer:
        return assistants.get(target).summarize()

    return summarize


def register_agent() -> None:
    """Register the agent as the evaluations' default system (``DEFAULT_AGENT``)."""
    register_fhir_agent(DEFAULT_AGENT, fhir_answer_factory)
    register_summarizer(DEFAULT_AGENT, summary_factory)
