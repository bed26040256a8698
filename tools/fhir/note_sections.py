"""A note's text split into titled sections with stable slugs (``assessment-and-plan``).

Markdown headings are sections: the note is split at the highest heading level it uses, lower levels stay
inside their section. A note without Markdown headings is split at lines naming a known section
(``ASSESSMENT:``, ``Plan: ...``; the names are in ``data/note_sections.json``). Text before the first
heading is the ``opening`` section unless it is only a date; a note with no heading at all is one
``text`` section. A section longer than :data:`MAX_SECTION_CHARS` is cut at line breaks into parts
(``plan``, ``plan-2``, ...), so each piece is a passage a reader can check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from medcite.core.resources import load_json

MAX_SECTION_CHARS = 2000
MAX_SLUG = 80
_MARKDOWN = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_ONLY_DATE = re.compile(r"^[\s\d\-/.:T+Z]*$")


@dataclass(frozen=True)
class NoteSection:
    title: str
    slug: str
    text: str


@cache
def _label_heading() -> re.Pattern[str]:
    names: list[str] = load_json("medcite.tools.fhir", "data/note_sections.json")["headings"]
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"^\s*({alternatives})\s*:\s*(.*)$", re.I)


def slugify(title: str) -> str:
    """``'Assessment and Plan'`` -> ``'assessment-and-plan'`` (the citation-key fragment grammar)."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-") or "section"


def _headed(lines: list[str]) -> list[tuple[str | None, list[str]]]:
    """(heading or None for the opening, body lines) at the top Markdown level, else at label headings."""
    levels = [len(m.group(1)) for line in lines if (m := _MARKDOWN.match(line))]
    blocks: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in lines:
        md = _MARKDOWN.match(line)
        if levels and md and len(md.group(1)) == min(levels):
            blocks.append((md.group(2).strip(), []))
            continue
        label = None if levels else _label_heading().match(line)
        if label:
            blocks.append((label.group(1).strip(), [label.group(2)] if label.group(2).strip() else []))
            continue
        blocks[-1][1].append(line)
    return blocks


def _parts(text: str) -> list[str]:
    """``text`` cut at line breaks into pieces of at most :data:`MAX_SECTION_CHARS` (a longer line is cut)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > MAX_SECTION_CHARS:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:MAX_SECTION_CHARS])
            line = line[MAX_SECTION_CHARS:]
        if current and len(current) + 1 + len(line) > MAX_SECTION_CHARS:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    pieces.append(current)
    return [p.strip("\n") for p in pieces if p.strip()] or [""]


def split_sections(text: str) -> list[NoteSection]:
    """The note's sections in document order; slugs are unique within the note."""
    blocks = _headed(text.split("\n"))
    body = "\n".join(blocks[0][1]).strip("\n")
    if len(blocks) == 1:
        titled = [("Note text", body)]
    else:
        titled = [("Opening", body)] if body and not _ONLY_DATE.match(body) else []
        titled += [(title or "Section", "\n".join(lines).strip("\n")) for title, lines in blocks[1:]]
    out: list[NoteSection] = []
    used: set[str] = set()
    for title, content in titled:
        parts = _parts(content)
        for n, part in enumerate(parts, start=1):
            base = {"Note text": "text", "Opening": "opening"}.get(title) or slugify(title)
            wanted = base if n == 1 else f"{base}-part-{n}"
            slug, suffix = wanted, 2
            while slug in used:
                slug, suffix = f"{wanted[: MAX_SLUG - 4]}-{suffix}", suffix + 1
            used.add(slug)
            out.append(NoteSection(title if n == 1 else f"{title} (part {n})", slug, part))
    return out
