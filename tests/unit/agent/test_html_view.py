"""The notebook views: record, document and model text escaped; only shipped-corpus URLs are links."""

from __future__ import annotations

from langchain_core.messages import AIMessage

from medcite.agent.answer import Citation, Flag
from medcite.agent.html_view import flags_html, progress_html, source_html
from tests.fixtures.injection import NOTEBOOK_TAGS, active_html

PAYLOAD = "\u202eevil<img src=https://evil.example/p.gif><script>alert(1)</script>"


def _citation(**update: object) -> Citation:
    text = f"[guideline:g-1] {PAYLOAD}"
    base = Citation(key="guideline:g-1", source="guideline", label=f"Title {PAYLOAD}", text=text)
    return base.model_copy(update={"title": f"Title {PAYLOAD}", "issuer": PAYLOAD, **update})


def test_a_user_document_url_is_text_not_a_link() -> None:
    html = source_html(_citation(url="https://evil.example/doc"))
    assert active_html(html, NOTEBOOK_TAGS) == []
    assert "not checked): https://evil.example/doc" in html and "\u202e" not in html


def test_a_shipped_corpus_link_is_the_only_link() -> None:
    link = "https://www.uspreventiveservicestaskforce.org/uspstf/recommendation/x"
    html = source_html(_citation(url=link, link=link))
    assert active_html(html, NOTEBOOK_TAGS) == ["<a>"]
    assert active_html(html, NOTEBOOK_TAGS, {link}) == []
    assert 'rel="noopener noreferrer"' in html


def test_flags_and_progress_lines_are_escaped() -> None:
    flags = flags_html([Flag(kind="source_issue", reason=PAYLOAD, keys=[f"Observation/{PAYLOAD}"])])
    assert active_html(flags, NOTEBOOK_TAGS) == []
    call = {"name": "<img src=x>", "args": {"q": PAYLOAD}, "id": "c1", "type": "tool_call"}
    line = progress_html("reason", 1.0, {"messages": [AIMessage(content="", tool_calls=[call])]})
    assert active_html(line, NOTEBOOK_TAGS) == [] and "&lt;img src=x&gt;" in line
