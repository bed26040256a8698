"""HTML to Markdown-like text: headings become ``#`` lines so chunking can follow them.

Text a browser would not show is left out: scripts, styles and templates, and any element marked hidden
(``hidden``, ``aria-hidden="true"``, or an inline style with ``display:none``, ``visibility:hidden``,
``font-size:0`` or ``opacity:0``), so a page cannot carry instructions its reader never sees."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {"p", "div", "li", "tr", "br", "section", "article", "table", "ul", "ol", "blockquote", "pre"}
_SKIP = {"script", "style", "noscript", "head", "nav", "footer", "template", "svg"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_HIDDEN_STYLE = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|font-size\s*:\s*0(?:\.0*)?(?:px|em|rem|pt|%)?"
    r"\s*(?:;|$)|opacity\s*:\s*0(?:\.0*)?\s*(?:;|$))",
    re.I,
)


def _is_hidden(attrs: dict[str, str]) -> bool:
    return (
        "hidden" in attrs
        or attrs.get("aria-hidden", "").strip().lower() == "true"
        or bool(_HIDDEN_STYLE.search(attrs.get("style", "")))
    )
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
        self.in_title = False
        self.title = ""
        self.meta: dict[str, str] = {}
        self.open: list[tuple[str, bool]] = []  # open elements and whether each hides its content

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
        if tag not in _VOID:
            self.open.append((tag, tag in _SKIP or _is_hidden(a)))
        if self.hiding:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.out.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in _BLOCK:
            self.out.append("\n")

    @property
    def hiding(self) -> bool:
        return any(hidden for _, hidden in self.open)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        names = [name for name, _ in self.open]
        if tag in names:  # close it and anything left open inside it (HTML allows unclosed <p>, <li>)
            del self.open[len(names) - 1 - names[::-1].index(tag) :]
        if not self.hiding and (re.fullmatch(r"h[1-6]", tag) or tag in _BLOCK):
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif not self.hiding:
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
