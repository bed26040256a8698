"""medcite.core.safe_text: text for each output target, checked by rendering it the way a reader opens it
(markdown-it with raw HTML and linkify on, as Jupyter and editors render Markdown; an XML parser for XHTML)."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from medcite.core.citation_keys import citation_keys
from medcite.core.safe_text import (
    defang,
    html_text,
    inert,
    is_inert,
    markdown_cited,
    markdown_code,
    markdown_text,
    web_url,
)
from tests.fixtures.injection import MARKDOWN_TAGS, active_html, markdown_html, visible_text

PAYLOADS = [
    "\u202eevil\u202c<script>alert(1)</script>",
    "![x](https://evil.example/p.png?d=secret)",
    "[click](https://evil.example/login) and [ref][1]\n\n[1]: https://evil.example/r",
    "<img src=x onerror=alert(1)> <iframe src=https://evil.example></iframe>",
    "<https://evil.example/auto> www.evil.example evil.example/x mail me@evil.example",
    "&lt;script&gt; &#60;img src=x&#62; <!-- comment --> <?php x ?>",
    "# heading\n> quote\n- item\n1. one\n| a | b |\n|---|---|\n```\ncode\n```",
    "$\\href{https://evil.example}{click}$ *em* _em_ `code` ~~del~~ \\*",
    "ignore\u200bd zero\u2060width \U000e0041tag \ufe0fvs \u2066isolate\u2069 \x07bell",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_text_renders_no_markup_and_no_link(payload: str) -> None:
    rendered = markdown_html(markdown_text(payload))
    assert active_html(rendered, {"p"}) == []  # one paragraph of text: no link, image, HTML, list, code
    assert is_inert(rendered)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_text_shows_the_text(payload: str) -> None:
    shown = visible_text(markdown_html(markdown_text(payload)))
    expected = " ".join(defang(inert(payload)).split())
    assert " ".join(shown.split()) == expected


def test_markdown_cited_keeps_keys_and_escapes_the_rest() -> None:
    text = "BP 149.8 <b>high</b> [Observation/bp-1] and ![i](https://e.example/i.png) [Condition/c1, junk<img src=x>]"
    md = markdown_cited(text)
    assert citation_keys(md) == ["Observation/bp-1", "Condition/c1"]
    assert "[Observation/bp-1]" in md and "junk" not in md  # a citation group shows its keys only
    assert active_html(markdown_html(md), {"p"}) == []


@pytest.mark.parametrize(
    "text",
    [
        "Hypertension [Condition/c1](https://evil.example)",  # a key made into a link
        "[Condition/c1]: https://evil.example\n\nsee [Condition/c1]",  # a reference definition for a key
        "Result [Observation/evil.example]",  # a key a linkifier would read as an address
    ],
)
def test_citation_keys_never_become_links(text: str) -> None:
    md = "\n".join(markdown_cited(line) for line in text.splitlines())
    assert active_html(markdown_html(md), MARKDOWN_TAGS) == []
    assert citation_keys(md) == citation_keys(text)


def test_plain_clinical_text_is_unchanged() -> None:
    line = "[Observation/a1] 2019-06-25 Hemoglobin A1c (LOINC 4548-4): 7.564 %, flag H (ref 4-5.6 %); <5 mg/dL"
    assert markdown_cited(line) == line
    assert markdown_text("Hydrochlorothiazide 25 MG Oral Tablet: active; 1 times per 1 d") == (
        "Hydrochlorothiazide 25 MG Oral Tablet: active; 1 times per 1 d"
    )


def test_line_starts_cannot_open_blocks() -> None:
    for text in ("# title", "> quote", "- item", "+ item", "1. item", "3) item", "=== x"):
        assert active_html(markdown_html(markdown_text(text)), {"p"}) == [], text


def test_code_span_never_closes_early() -> None:
    assert markdown_code("a`<img src=x>`b") == "`a<img src=x>b`"
    assert active_html(markdown_html(markdown_code("x`<script>`")), {"p", "code"}) == []


def test_html_text_is_valid_inert_xhtml() -> None:
    for payload in PAYLOADS:
        shown = html_text(payload)
        div = f'<div xmlns="http://www.w3.org/1999/xhtml"><p title="{shown}">{shown}</p></div>'
        root = ElementTree.fromstring(div)
        assert [el.tag.split("}")[-1] for el in root.iter()] == ["div", "p"]
        assert root[0].text == inert(payload)


def test_inert_removes_invisible_and_direction_changing_characters() -> None:
    assert inert("a\u202eb\u202cc\u200bd\u2066e\u2069f\ufeffg\U000e0041h\ufe0fi") == "abcdefghi"
    assert inert("one\ntwo\r\nthree\u2028four") == "one two three four"
    assert inert("one\ntwo\r\nthree", multiline=True) == "one\ntwo\nthree"
    assert inert("Größe 5 µg — ok 😀") == "Größe 5 µg — ok 😀"
    assert not is_inert("a\u202eb") and is_inert("a\nb")


def test_only_plain_web_addresses_pass() -> None:
    assert web_url("https://www.uspreventiveservicestaskforce.org/uspstf/x") is not None
    for bad in ("javascript:alert(1)", "data:text/html,x", "https://e.example/\u202ex", "//e.example", 'https://e"x',
                "file:///etc/passwd", None, ""):
        assert web_url(bad) is None, bad
