"""The LangChain tool ``search_guidelines`` and the Evidence the agent keeps."""

from __future__ import annotations

import re

from medcite.core.evidence import GuidelineFact
from medcite.tools.retrieval import GuidelineRetriever, make_search_tool

LINE = re.compile(
    r"^\[guideline:(?P<id>[A-Za-z0-9._-]+)\] .+ — .+ "
    r"\((?P<date>\d{4}(-\d{2}){0,2}|undated)(?P<stale>, STALE: [^)]+)?\)"
    r"( · grade [A-DI])?( · newer on this topic: guideline:\S+)? · (.+?: )?.+$"
)


def test_tool_returns_one_citable_line_per_passage(guideline_retriever: GuidelineRetriever) -> None:
    tool = make_search_tool(guideline_retriever)
    assert tool.name == "search_guidelines"
    assert set(tool.args) == {"query", "k"}
    out = tool.invoke({"query": "screening for bladder cancer in adults", "k": 3})
    lines = out.splitlines()
    assert len(lines) == 3
    for line in lines:
        m = LINE.match(line)
        assert m, line
    # the 2011 recommendation was still in force in the 2024 USPSTF snapshot: dated, not marked stale
    assert "(2011-08-15)" in lines[0] and "STALE" not in lines[0]


def test_tool_lines_match_the_evidence(guideline_retriever: GuidelineRetriever) -> None:
    tool = make_search_tool(guideline_retriever)
    query = "colorectal cancer screening age 45"
    evidence = guideline_retriever.search_evidence(query, k=4)
    assert tool.invoke({"query": query, "k": 4}) == "\n".join(e.text for e in evidence)
    call = tool.invoke({"type": "tool_call", "id": "c1", "name": "search_guidelines", "args": {"query": query, "k": 4}})
    assert call.artifact == evidence  # typed Evidence, like the FHIR tools
    for e in evidence:
        assert e.source == "guideline" and e.key.startswith("guideline:")
        assert e.text.startswith(f"[{e.key}] ") and e.date
        assert isinstance(e.fact, GuidelineFact) and e.fact.title and e.fact.issuer and e.fact.score is not None


def test_tool_reports_bad_queries_as_text(guideline_retriever: GuidelineRetriever) -> None:
    tool = make_search_tool(guideline_retriever)
    assert tool.invoke({"query": "  "}).startswith("search_guidelines error: search query is empty")
