"""Heading-aware chunking with langchain-text-splitters: split by Markdown headings, then by size."""

from __future__ import annotations

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

CHUNK_CHARS = 1000  # about 250 word pieces: what all-MiniLM-L6-v2 reads before truncating
CHUNK_OVERLAP = 100
_HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4")]


def _splitter(chunk_chars: int, overlap: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_chars,
        chunk_overlap=overlap,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
    )


def chunk_markdown(
    text: str, title: str = "", chunk_chars: int = CHUNK_CHARS, overlap: int = CHUNK_OVERLAP
) -> list[tuple[str, str]]:
    """(section path, chunk text) pairs; the section is the heading path, minus a top heading equal
    to the document title."""
    sections = MarkdownHeaderTextSplitter(_HEADERS, strip_headers=True).split_text(text)
    splitter = _splitter(chunk_chars, overlap)
    chunks: list[tuple[str, str]] = []
    for doc in sections:
        path = [str(doc.metadata[h]) for _, h in _HEADERS if h in doc.metadata]
        if path and title and path[0].strip().lower() == title.strip().lower():
            path = path[1:]
        section = " > ".join(path)
        for piece in splitter.split_text(doc.page_content):
            if piece.strip():
                chunks.append((section, piece.strip()))
    return chunks


def chunk_plain(text: str, chunk_chars: int = CHUNK_CHARS, overlap: int = CHUNK_OVERLAP) -> list[tuple[str, str]]:
    """(``""``, chunk text) pairs for text without headings (plain text, PDF pages)."""
    return [("", p.strip()) for p in _splitter(chunk_chars, overlap).split_text(text) if p.strip()]
