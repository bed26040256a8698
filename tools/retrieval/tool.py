"""The LangChain tool ``search_guidelines(query, k)``: citable guideline lines, one passage per line."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from medcite.core.errors import MedciteError
from medcite.core.evidence import Evidence, render_lines
from medcite.tools.retrieval.retriever import GuidelineRetriever

MAX_K = 20
DESCRIPTION = (
    "Search current clinical guideline passages (USPSTF recommendations, NIH/CDC health information, "
    "and documents the user ingested). Returns one line per passage: "
    "[guideline:<id>] Title — Issuer (date) · section: passage. Cite passages by their [guideline:<id>] "
    "key. A passage marked STALE is older than the configured age: say so when you use it."
)


class SearchGuidelinesInput(BaseModel):
    query: str = Field(description="what to look up, e.g. 'colorectal cancer screening age'")
    k: int = Field(default=5, ge=1, le=MAX_K, description="number of passages to return")


def search_guidelines_evidence(retriever: GuidelineRetriever, query: str, k: int = 5) -> tuple[str, list[Evidence]]:
    """The tool's output: the passage lines and their Evidence, or a line saying nothing matched."""
    try:
        items = retriever.search_evidence(query, min(max(k, 1), MAX_K))
    except MedciteError as exc:
        return f"search_guidelines error: {exc}", []
    return render_lines(items, empty=f"No guideline passages matched {query!r}."), items


def make_search_tool(retriever: GuidelineRetriever) -> BaseTool:
    """A LangChain tool bound to ``retriever`` (see ``open_retriever``); its artifact is ``list[Evidence]``
    like the FHIR tools'."""

    def search_guidelines(query: str, k: int = 5) -> tuple[str, list[Evidence]]:
        return search_guidelines_evidence(retriever, query, k)

    tool: Any = StructuredTool.from_function(
        func=search_guidelines,
        name="search_guidelines",
        description=DESCRIPTION,
        args_schema=SearchGuidelinesInput,
        response_format="content_and_artifact",
    )
    return tool
