"""Run-scoped dependencies of the graph (not checkpointed): model, settings, sources, audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool

from medcite.agent.audit import AuditLog
from medcite.core.evidence import Evidence
from medcite.core.settings import Settings
from medcite.tools.caregaps import AsOf
from medcite.tools.fhir import FhirSource
from medcite.tools.retrieval.population import Population


class GuidelineSearch(Protocol):
    def search_evidence(self, query: str, k: int = 5, population: Population | None = None) -> list[Evidence]: ...

    def passages_evidence(self, ids: list[str], today: date | None = None) -> list[Evidence]: ...


@dataclass
class AgentContext:
    model: BaseChatModel
    settings: Settings
    source: FhirSource | None = None
    patient_id: str | None = None
    tools: list[BaseTool] = field(default_factory=list)
    retriever: GuidelineSearch | None = None
    audit: AuditLog | None = None
    as_of: AsOf | None = None  # the date ages, intervals and care gaps are computed for

    def tool(self, name: str) -> BaseTool | None:
        return next((t for t in self.tools if t.name == name), None)

    def log(self, event: str, **fields: Any) -> None:
        if self.audit is not None:
            self.audit.write(event, **fields)
