"""Read user documents (Markdown, text, HTML, PDF, JSONL) into whole ``Document``s with metadata.

Metadata comes from, in increasing priority: what the file itself says (HTML ``<meta>``, PDF info),
YAML front matter (Markdown/text), and a sidecar ``<file>.meta.json`` / ``<file>.meta.yaml``.
Every problem raises ``InputError`` naming the file (and line, for JSONL).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from medcite.core.errors import InputError
from medcite.corpora.chunking import chunk_markdown, chunk_plain
from medcite.corpora.html_text import html_to_markdown
from medcite.tools.retrieval.passage import (
    PASSAGE_ID_PATTERN,
    Document,
    Passage,
    content_hash,
    normalize_date,
    passages_hash,
)

KINDS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".jsonl": "jsonl",
}
SIDECAR_SUFFIXES = (".meta.json", ".meta.yaml", ".meta.yml")
MAX_FILE_BYTES = 50 * 1024 * 1024
USER_SOURCE = "user"


class DocumentMeta(BaseModel):
    """Document-level metadata; unknown keys (e.g. ``tags``, ``layout``) are ignored."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = Field(default=None, pattern=PASSAGE_ID_PATTERN, max_length=120)
    title: str | None = None
    issuer: str | None = None
    date: str | None = None
    url: str | None = None
    grade: str | None = None
    topic: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> str | None:
        return normalize_date(value)

    @field_validator("title", "issuer", "url", "grade", "topic", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            raise ValueError("must be a single value, not a list or mapping")
        return str(value).strip() or None


class JsonlPassage(DocumentMeta):
    text: str = Field(min_length=1)
    section: str = ""


def is_sidecar(path: Path) -> bool:
    return path.name.endswith(SIDECAR_SUFFIXES)


def _validation_message(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}" for err in exc.errors())


def _meta(raw: Any, where: str) -> DocumentMeta:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: metadata must be a mapping of keys to values")
    try:
        return DocumentMeta.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{where}: bad metadata: {_validation_message(exc)}") from exc


def _merge(*metas: DocumentMeta) -> DocumentMeta:
    merged: dict[str, Any] = {}
    for meta in metas:
        merged.update(meta.model_dump(exclude_none=True))
    return DocumentMeta.model_validate(merged)


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}); convert it to UTF-8") from exc


def split_front_matter(text: str, path: Path) -> tuple[DocumentMeta, str]:
    """YAML front matter between ``---`` lines at the top of a Markdown/text file."""
    if not text.startswith("---"):
        return DocumentMeta(), text
    match = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n(---|\.\.\.)[ \t]*(\r?\n|$)", text, re.DOTALL)
    if not match:
        raise InputError(f"{path}: front matter starts with '---' but has no closing '---' line")
    try:
        raw = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: front matter is not valid YAML: {exc}") from exc
    return _meta(raw or {}, f"{path}: front matter"), text[match.end() :]


def read_sidecar(path: Path) -> DocumentMeta:
    for suffix in SIDECAR_SUFFIXES:
        sidecar = path.with_name(path.name + suffix)
        if not sidecar.is_file():
            continue
        try:
            body = sidecar.read_text(encoding="utf-8")
            raw = json.loads(body) if suffix == ".meta.json" else yaml.safe_load(body)
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            raise InputError(f"{sidecar}: unreadable metadata sidecar: {exc}") from exc
        return _meta(raw, str(sidecar))
    return DocumentMeta()


def _pdf_text(data: bytes, path: Path) -> tuple[str, DocumentMeta]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError(f"{path}: the PDF is encrypted; decrypt it first")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        info = reader.metadata
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"{path}: not a readable PDF: {exc}") from exc
    text = "\n\n".join(p for p in pages if p)
    if not text.strip():
        raise InputError(f"{path}: the PDF has no extractable text (a scanned image?); OCR it first")
    raw: dict[str, Any] = {}
    if info is not None:
        raw["title"] = info.title
        raw["issuer"] = info.author
        created = info.modification_date or info.creation_date
        if created is not None:
            raw["date"] = created.date().isoformat()
    try:
        meta = DocumentMeta.model_validate({k: v for k, v in raw.items() if v})
    except ValidationError:
        meta = DocumentMeta()
    return text, meta


def _first_heading(text: str) -> str | None:
    match = re.search(r"^#\s+(.+?)\s*#*\s*$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-") or "doc"


def _document(path: Path, meta: DocumentMeta, chunks: list[tuple[str, str]]) -> Document:
    doc_id = f"user:{meta.id}" if meta.id else f"file:{path.resolve()}"
    title = meta.title or path.stem
    prefix = meta.id or _slug(title)
    passages: list[Passage] = []
    seen: set[str] = set()
    for section, text in chunks:
        pid = f"{prefix}-{content_hash(doc_id, section, text, length=10)}"
        if pid in seen:  # the same text twice in one document: keep one
            continue
        seen.add(pid)
        passages.append(_passage(pid, text, section, meta, title, doc_id))
    if not passages:
        raise InputError(f"{path}: no text to index")
    return _finish(path, doc_id, passages)


def _passage(pid: str, text: str, section: str, meta: DocumentMeta, title: str, doc_id: str) -> Passage:
    return Passage(
        id=pid,
        text=text,
        title=title,
        issuer=meta.issuer or "",
        section=section,
        date=meta.date,
        url=meta.url,
        grade=meta.grade,
        topic=meta.topic,
        doc_id=doc_id,
        source=USER_SOURCE,
    )


def _finish(path: Path, doc_id: str, passages: list[Passage]) -> Document:
    return Document(doc_id=doc_id, doc_hash=passages_hash(passages), origin=str(path), passages=passages)


def _read_jsonl(text: str, path: Path, file_meta: DocumentMeta) -> Document:
    doc_id = f"user:{file_meta.id}" if file_meta.id else f"file:{path.resolve()}"
    passages: list[Passage] = []
    ids: set[str] = set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{lineno}: not valid JSON: {exc.msg}") from exc
        if not isinstance(raw, dict):
            raise InputError(f"{path}:{lineno}: each line must be a JSON object")
        try:
            item = JsonlPassage.model_validate({**file_meta.model_dump(exclude_none=True), **raw})
        except ValidationError as exc:
            raise InputError(f"{path}:{lineno}: {_validation_message(exc)}") from exc
        title = item.title or path.stem
        pid = item.id or f"{_slug(title)}-{content_hash(doc_id, item.section, item.text, length=10)}"
        if pid in ids:
            raise InputError(f"{path}:{lineno}: duplicate passage id {pid!r}")
        ids.add(pid)
        passages.append(_passage(pid, item.text, item.section, item, title, doc_id))
    if not passages:
        raise InputError(f"{path}: no passages (empty JSONL)")
    return _finish(path, doc_id, passages)


def read_document(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """One file as a whole document, chunked and with metadata; raises ``InputError`` on bad input."""
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{path}: unsupported file type {path.suffix or '(none)'!r}; use one of {', '.join(sorted(KINDS))}"
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"{path}: {size / 2**20:.1f} MiB is over the {max_bytes / 2**20:.0f} MiB limit; split the file"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if not data.strip():
        raise InputError(f"{path}: the file is empty")
    sidecar = read_sidecar(path)
    if kind == "pdf":
        text, own = _pdf_text(data, path)
        meta = _merge(own, sidecar)
        return _document(path, meta, chunk_plain(text))
    text = _decode(data, path)
    if kind == "jsonl":
        return _read_jsonl(text, path, sidecar)
    if kind == "html":
        text, found = html_to_markdown(text)
        try:
            own = DocumentMeta.model_validate(found)
        except ValidationError:
            own = DocumentMeta.model_validate({k: v for k, v in found.items() if k != "date"})
        meta = _merge(own, sidecar)
    else:
        front, text = split_front_matter(text, path)
        heading = _first_heading(text) if kind == "markdown" else None
        meta = _merge(DocumentMeta(title=heading), front, sidecar)
    if not text.strip():
        raise InputError(f"{path}: no text after the metadata")
    title = meta.title or path.stem
    has_headings = re.search(r"^#{1,4}\s", text, re.MULTILINE) is not None
    chunks = chunk_markdown(text, title) if has_headings else chunk_plain(text)
    return _document(path, meta, chunks)
