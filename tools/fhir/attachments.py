"""An ``Attachment`` (inline base64 data, or a ``url`` to a ``Binary`` of the same source) as text.

Plain text and Markdown are decoded with their charset, HTML is reduced to its text (headings and list
items kept as Markdown marks), PDF text is extracted with pypdf. Any other content type is reported,
never guessed at. The text returned is inert: no control characters and no square brackets, so note
text can never look like a citation key.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, ClassVar

from medcite.tools.fhir import resource_fields as rf

MAX_ATTACHMENT_BYTES = 5_000_000
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
PDF_TYPES = frozenset({"application/pdf"})
# Which content to read when a note comes in several forms: the most faithful text first.
PREFERENCE = ("text/plain", "text/markdown", "text/x-markdown", "text/html", "application/xhtml+xml", "application/pdf")

ReadBinary = Callable[[str], dict[str, Any] | None]
_SPACES = re.compile(r"[^\S\n]+")


@dataclass(frozen=True)
class AttachmentText:
    """The text of an attachment, or why there is none (``problem``)."""

    content_type: str | None
    text: str | None = None
    problem: str | None = None


def media_type(content_type: str | None) -> tuple[str | None, str | None]:
    """``('text/plain', 'utf-8')`` from ``'text/plain; charset=utf-8'``."""
    if not content_type:
        return None, None
    kind, *params = (p.strip() for p in content_type.split(";"))
    charset = next((p.split("=", 1)[1].strip("\"' ") for p in params if p.lower().startswith("charset=")), None)
    return kind.lower() or None, charset


def rank(attachment: dict[str, Any]) -> int:
    """Where an attachment's content type stands in :data:`PREFERENCE` (unknown types last)."""
    kind, _ = media_type(attachment.get("contentType"))
    return PREFERENCE.index(kind) if kind in PREFERENCE else len(PREFERENCE)


def inert_text(text: str) -> str:
    """Lines kept, runs of other whitespace made one space, control characters dropped, brackets made
    parentheses (data never looks like a citation key)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch == "\n" or ch.isprintable() or ch == "\t")
    text = text.replace("[", "(").replace("]", ")")
    lines = [_SPACES.sub(" ", line).rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


class _HtmlText(HTMLParser):
    """Text of an HTML document: blocks on their own lines, headings as ``#``, list items as ``-``."""

    BLOCKS = frozenset({"p", "div", "br", "tr", "table", "ul", "ol", "section", "article", "hr", "pre", "body"})
    HEADINGS: ClassVar[dict[str, str]] = {f"h{n}": "#" * n for n in range(1, 7)}
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.HEADINGS:
            self.parts.append(f"\n\n{self.HEADINGS[tag]} ")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.HEADINGS or tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_text(markup: str) -> str:
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF, page by page (a scanned PDF without one gives '')."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()


def _content(attachment: dict[str, Any], read_binary: ReadBinary) -> tuple[bytes | None, str | None, str | None]:
    """(bytes, content type, problem) of an attachment, reading a linked ``Binary`` when needed."""
    content_type = attachment.get("contentType")
    if isinstance(attachment.get("data"), str):
        encoded = attachment["data"]
    elif isinstance(attachment.get("url"), str):
        url = attachment["url"]
        target = rf.reference_target(url)
        if target is None or target[0] != "Binary":
            return None, content_type, f"content at {url[:120]} is not a Binary of this source; not fetched"
        binary = read_binary(target[1])
        if binary is None:
            return None, content_type, f"Binary/{target[1]} was not found"
        content_type = content_type or binary.get("contentType")
        if not isinstance(binary.get("data"), str):
            return None, content_type, f"Binary/{target[1]} holds no data"
        encoded = binary["data"]
    else:
        return None, content_type, "the attachment has neither data nor a url"
    if len(encoded) > MAX_ATTACHMENT_BYTES * 4 // 3 + 4:
        return None, content_type, f"over {MAX_ATTACHMENT_BYTES // 1_000_000} MB; not read"
    try:
        return base64.b64decode(re.sub(r"\s+", "", encoded), validate=True), content_type, None
    except (binascii.Error, ValueError):
        return None, content_type, "the data is not valid base64"


def read_attachment(attachment: dict[str, Any], read_binary: ReadBinary) -> AttachmentText:
    """The attachment's text, or the reason it could not be read."""
    data, content_type, problem = _content(attachment, read_binary)
    kind, charset = media_type(content_type)
    if problem is not None or data is None:
        return AttachmentText(kind, problem=problem or "no content")
    if kind is None:
        return AttachmentText(None, problem="no content type is given; the content is not guessed at")
    try:
        if kind in TEXT_TYPES:
            text = data.decode(charset or "utf-8", errors="replace")
        elif kind in HTML_TYPES:
            text = html_text(data.decode(charset or "utf-8", errors="replace"))
        elif kind in PDF_TYPES:
            text = pdf_text(data)
        else:
            return AttachmentText(kind, problem=f"{kind} is not a text, HTML or PDF format; not read")
    except LookupError:
        return AttachmentText(kind, problem=f"unknown charset {charset!r}")
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        return AttachmentText(kind, problem=f"unreadable {kind} ({type(exc).__name__})")
    text = inert_text(text)
    if not text.strip():
        return AttachmentText(kind, problem=f"the {kind} content holds no text")
    return AttachmentText(kind, text=text)
