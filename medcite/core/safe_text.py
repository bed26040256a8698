"""Record, document and model text made safe for each output target: plain text, Markdown, HTML/XHTML.

Such text is data. Before it is shown anywhere:

- ``inert``: invisible and direction-changing characters are removed (bidi overrides and isolates,
  zero-width characters, tag characters, variation selectors, other format and control characters),
  so what a reader sees is what is stored;
- Markdown (``markdown_text``, ``markdown_cited``): every character that could start markup is escaped
  (raw HTML, links, images, emphasis, code, tables, TeX math) and web addresses and domain names are
  defanged (``https(:)//example(.)org``) so no renderer turns them into links; citation keys
  (``[Observation/1]``) stay as written, which the key grammar makes inert;
- HTML and XHTML (``html_text``): escaped with quotes, after ``inert``.

Only a URL that passes ``web_url`` may become a link, and callers pass it only for shipped corpus
metadata (see ``medcite.agent.citations``), never for record or model text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

from medcite.core.citation_keys import citation_groups

_BREAKS = frozenset("\t\r\n\v\f\x85\u2028\u2029")
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_VARIATION_SELECTORS = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF))


def _hidden(ch: str) -> bool:
    code = ord(ch)
    if any(lo <= code <= hi for lo, hi in _VARIATION_SELECTORS):
        return True
    return unicodedata.category(ch) in _INVISIBLE


def inert(text: str, *, multiline: bool = False) -> str:
    """``text`` without invisible or direction-changing characters; line breaks become spaces unless
    ``multiline`` (then ``\\n`` is kept and other breaks become ``\\n``)."""
    out: list[str] = []
    for ch in text.replace("\r\n", "\n"):
        if ch in _BREAKS:
            out.append("\n" if multiline and ch not in "\t\v\f" else " ")
        elif not _hidden(ch):
            out.append(ch)
    return "".join(out)


def is_inert(text: str) -> bool:
    """Whether ``text`` holds no invisible or direction-changing character (line breaks allowed)."""
    return not any(_hidden(ch) for ch in text if ch not in _BREAKS)


_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]{0,30}):(?=//|\\\\)")
_DOMAIN = re.compile(r"(?i)\b[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,24}\b")


def defang(text: str) -> str:
    """Web addresses and domain names that no renderer will link: ``https(:)//example(.)org/x``."""
    text = _SCHEME.sub(r"\1(:)", text)
    return _DOMAIN.sub(lambda m: m.group(0).replace(".", "(.)"), text)


_MD_ALWAYS = frozenset("\\`*_~|[]$")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#\d|#[xX][0-9A-Fa-f]|[A-Za-z][A-Za-z0-9]*;)")
_BLOCK_START = re.compile(r"^(\s*)(?:([#>+=\-])|(\d{1,9})([.)]))")


def _escape_markdown(text: str) -> str:
    escaped = "".join("\\" + ch if ch in _MD_ALWAYS else ch for ch in text)
    escaped = _ENTITY.sub("&amp;", _TAG_START.sub(r"\\<", escaped))
    return escaped


def _escape_line_start(text: str) -> str:
    """A leading ``#``, ``>``, ``-``, ``+``, ``=`` or ``1.`` would start a block: escape it."""
    m = _BLOCK_START.match(text)
    if not m:
        return text
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}{text[m.end():]}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}{text[m.end():]}"


def markdown_text(text: str) -> str:
    """One line of Markdown that renders as exactly ``text`` (made inert and defanged): no markup, no link."""
    return _escape_line_start(_escape_markdown(defang(inert(text)).strip()))


def markdown_code(text: str) -> str:
    """An inline code span showing ``text`` (backticks and invisible characters removed)."""
    return "`" + inert(text).replace("`", "").strip() + "`"


def markdown_key_group(keys: list[str]) -> str:
    """``[A/1, B/2]``; a group with anything a linkifier could read as an address is shown as code."""
    group = "[" + ", ".join(keys) + "]"
    return markdown_code(group) if defang(group) != group else group


def markdown_cited(text: str) -> str:
    """One line of Markdown for cited text: citation groups kept as keys (anything else inside them is
    dropped), everything else escaped as by :func:`markdown_text`."""
    text = inert(text).strip()
    out: list[str] = []
    pos = 0
    for start, end, keys in citation_groups(text):
        out.append(_escape_markdown(defang(text[pos:start])))
        out.append(markdown_key_group(keys))
        pos = end
        if text[end : end + 1] in ("(", ":"):
            out.append("\\")  # '[key](url)' or a '[key]: url' definition would be a link
    out.append(_escape_markdown(defang(text[pos:])))
    return _escape_line_start("".join(out))


def html_text(text: str) -> str:
    """Text for an HTML or XHTML element or attribute value: inert, with ``& < > " '`` escaped."""
    return html.escape(inert(text), quote=True)


def web_url(url: str | None) -> str | None:
    """``url`` if it is a plain ``http(s)`` address with a host (nothing invisible, no spaces or quotes)."""
    if not url or not is_inert(url) or re.search(r"[\s\"'<>`\\]", url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None
