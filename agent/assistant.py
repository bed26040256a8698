"""The public entry point used by the CLI, the notebooks and the evaluations.

>>> bot = Assistant(source="bundle.json")           # local bundle or FHIR server URL
>>> answer = bot.ask("What is the latest HbA1c?")    # cited, verified, flagged
>>> summary = bot.summarize()
"""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver

from medcite.agent.answer import Answer
from medcite.agent.audit import AuditCallback, AuditLog
from medcite.agent.context import AgentContext, GuidelineSearch
from medcite.agent.graph import Graph, build_graph
from medcite.agent.models import load_chat_model
from medcite.agent.state import AgentState, Mode
from medcite.agent.tool_budget import ToolCallBudget
from medcite.core.errors import InputError
from medcite.core.private_files import private_dir, private_file
from medcite.core.settings import Settings
from medcite.tools.caregaps import AsOf, record_as_of
from medcite.tools.caregaps.tool import make_care_gap_tool
from medcite.tools.fhir import FhirSource, LocalSource, make_fhir_tools, open_source, pick_patient
from medcite.tools.notes import Embedder, make_note_tools

SUMMARY_QUESTION = "Summarize this patient's record."


def _checked(question: str) -> str:
    if not question.strip():
        raise InputError("the question is empty")
    return question.strip()


def conversation_scope(source: FhirSource | None, patient_id: str | None) -> str:
    """Who a conversation is about: the source's origin (resolved files or server URL) and the patient."""
    if source is None or patient_id is None:
        return "no-record"
    if isinstance(source, LocalSource):
        origin = "files:" + ",".join(sorted(str(Path(s).resolve()) for s in source.report.sources))
    else:
        origin = source.description
    return f"{origin}#Patient/{patient_id}"


def sqlite_checkpointer(path: Path) -> SqliteSaver:
    """Conversations in SQLite, readable by their owner only (SQLite gives its journal files the same mode)."""
    private_dir(path.parent)
    return SqliteSaver(sqlite3.connect(str(private_file(path)), check_same_thread=False))


class Assistant:
    """One patient (optional), one model, one guideline retriever, one conversation store."""

    def __init__(
        self,
        source: FhirSource | str | Path | None = None,
        patient_id: str | None = None,
        settings: Settings | None = None,
        model: BaseChatModel | None = None,
        retriever: GuidelineSearch | bool | None = True,
        checkpointer: BaseCheckpointSaver[str] | None = None,
        as_of: date | None = None,
    ) -> None:
        """``as_of``: the date ages, intervals and care gaps are computed for; default today, or the
        record's last clinical activity when that is more than a year before today."""
        self.settings = settings or Settings.from_env()
        private_dir(self.settings.data_dir)  # conversations and audit logs hold record content: 0700
        self.source = open_source(source, self.settings) if isinstance(source, str | Path) else source
        self.patient_id = pick_patient(self.source, patient_id) if self.source is not None else None
        self.as_of: AsOf | None = (
            record_as_of(self.source, self.patient_id, as_of)
            if self.source is not None and self.patient_id is not None
            else None
        )
        self.model = model or load_chat_model(self.settings)
        self.retriever = self._retriever(retriever)
        self.tools = self._tools()
        self.graph: Graph = build_graph(
            self.tools, checkpointer or sqlite_checkpointer(self.settings.data_dir / "conversations.sqlite")
        )
        self.scope = conversation_scope(self.source, self.patient_id)

    @property
    def default_thread(self) -> str:
        """The conversation id used when none is given: one per (source, patient), so memory never
        crosses patients."""
        return "patient-" + hashlib.sha256(self.scope.encode()).hexdigest()[:16]

    def _claim_thread(self, config: RunnableConfig) -> None:
        """A conversation belongs to one patient of one source; continuing it with another is an error."""
        owner = self.graph.get_state(config).values.get("scope")
        if owner is not None and owner != self.scope:
            thread = config["configurable"]["thread_id"]
            raise InputError(
                f"conversation {thread!r} belongs to another patient or source; its memory is not carried to "
                "this one. Leave out --thread (each patient gets its own conversation) or choose a new id."
            )

    def _retriever(self, retriever: GuidelineSearch | bool | None) -> GuidelineSearch | None:
        if retriever is True:
            from medcite.corpora import open_guidelines

            return open_guidelines(self.settings, progress=True)
        return retriever or None

    def _embedder(self) -> Embedder:
        """The guideline store's embedding model when there is one (loaded once), else the configured one."""
        store = getattr(self.retriever, "store", None)
        found = getattr(store, "embedder", None)
        if found is not None:
            return cast(Embedder, found)
        from medcite.tools.retrieval.embedding import GuidelineEmbedder

        return GuidelineEmbedder(self.settings.embedding_model)

    def _tools(self) -> list[BaseTool]:
        tools: list[BaseTool] = []
        if self.source is not None and self.patient_id is not None:
            day = self.as_of.day if self.as_of else None
            tools += make_fhir_tools(self.source, self.patient_id, as_of=day)
            tools.append(make_care_gap_tool(self.source, self.patient_id, self.as_of))
            tools += make_note_tools(
                self.source, self.patient_id, embedder=self._embedder, cache_dir=self.settings.cache_dir / "notes"
            )
        if self.retriever is not None and hasattr(self.retriever, "store"):
            from medcite.tools.retrieval import make_search_tool

            tools.append(make_search_tool(self.retriever))  # type: ignore[arg-type]
        return tools

    def _context(self) -> AgentContext:
        return AgentContext(
            model=self.model,
            settings=self.settings,
            source=self.source,
            patient_id=self.patient_id,
            tools=self.tools,
            retriever=self.retriever,
            audit=AuditLog(self.settings.audit_dir, content=self.settings.audit_content),
            as_of=self.as_of,
        )

    def _start(
        self, question: str, mode: Mode, thread_id: str | None
    ) -> tuple[AgentState, RunnableConfig, AgentContext]:
        thread_id = thread_id or self.default_thread
        config: RunnableConfig = {
            "configurable": {"thread_id": thread_id},
            "recursion_limit": 8 + 3 * self.settings.max_steps,
        }
        self._claim_thread(config)
        ctx = self._context()
        assert ctx.audit is not None
        ctx.log(
            "run_start",
            mode=mode,
            question=question,
            model=self.settings.model,
            patient=self.patient_id,
            source=self.source.description if self.source else None,
            thread_id=thread_id,
            as_of=self.as_of.statement() if self.as_of else None,
        )
        config["callbacks"] = [AuditCallback(ctx.audit), ToolCallBudget(self.settings.max_tool_calls)]
        inputs: AgentState = {
            "messages": [HumanMessage(question)],
            "question": question,
            "mode": mode,
            "scope": self.scope,
        }
        return inputs, config, ctx

    def _run(self, question: str, mode: Mode, thread_id: str | None) -> Answer:
        inputs, config, ctx = self._start(question, mode, thread_id)
        state = self.graph.invoke(inputs, config=config, context=ctx)
        return Answer.model_validate(state["answer"])

    def ask(self, question: str, thread_id: str | None = None) -> Answer:
        """Answer one question; turns with the same ``thread_id`` share memory (checkpointed). Without one,
        the patient's own conversation is used; a thread never continues with another patient."""
        return self._run(_checked(question), "ask", thread_id)

    def summarize(self) -> Answer:
        """A sectioned, cited summary of the patient with a verified model synopsis."""
        if self.source is None or self.patient_id is None:
            raise InputError("summarize needs a FHIR bundle or server (and a patient)")
        return self._run(SUMMARY_QUESTION, "summarize", f"summary-{uuid.uuid4().hex[:8]}")

    def stream(self, question: str, thread_id: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield ``(node, update)`` as each node finishes; the last update of ``finalize`` holds the answer."""
        inputs, config, ctx = self._start(_checked(question), "ask", thread_id)
        for chunk in self.graph.stream(inputs, config=config, context=ctx, stream_mode="updates"):
            for node, update in chunk.items():
                yield node, update or {}
