"""HTML to Markdown-like text: headings become ``#`` lines so chunking can follow them."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "li", "tr", "br", "section", "article", "table", "ul", "ol", "blockquote", "pre"}
_SKIP = {"script", "style", "noscript", "head", "nav", "footer", "template", "svg"}
_META_KEYS = {
    "date": (
        "date",
        "dc.date",
        "dcterms.date",
        "citation_publication_date",
        "article:modified_time",
        "article:published_time",
        "last-modified",
    ),
    "issuer": ("publisher", "dc.publisher", "citation_publisher", "author", "dc.creator"),
    "url": ("og:url",),
}


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.in_title = False
        self.title = ""
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            name = (a.get("name") or a.get("property") or a.get("http-equiv") or "").lower()
            for key, names in _META_KEYS.items():
                if name in names and a.get("content") and key not in self.meta:
                    self.meta[key] = a["content"].strip()
        elif tag == "link" and a.get("rel", "").lower() == "canonical" and a.get("href"):
            self.meta.setdefault("url", a["href"])
        if tag == "title":
            self.in_title = True
        if tag in _SKIP:
            self.skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in _BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif re.fullmatch(r"h[1-6]", tag) or tag in _BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif not self.skip:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_markdown(html: str) -> tuple[str, dict[str, str]]:
    """Return (text with ``#`` headings, metadata found in ``<title>``/``<meta>``)."""
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.out).splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    meta = dict(parser.meta)
    if parser.title.strip():
        meta["title"] = re.sub(r"\s+", " ", parser.title).strip()
    return text, meta
