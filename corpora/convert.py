"""Rebuild the shipped default corpus from the source passage files.

Usage: ``python -m corpora.convert ../shared/data/guidelines`` (writes ``corpora/data/``).

USPSTF passages keep their publication date and grade. MedQuAD records no page dates; their date is
the MedQuAD release year (2019), so they count as stale under the default 5-year limit, which is honest
about how old that snapshot is. MedQuAD ids are made unique by the source file name.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medcite.corpora.default import DATA_DIR, DEFAULT_CORPUS_FILE
from medcite.tools.retrieval.passage import Passage

MEDQUAD_RELEASE_DATE = "2019"
USPSTF_ISSUER = "USPSTF"


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def uspstf_record(row: dict[str, Any]) -> dict[str, Any]:
    """A USPSTF passage; the topic groups every version of one recommendation (title before ' -- ')."""
    topic = row["title"].split(" -- ", 1)[0].strip()
    passage = Passage(
        id=row["id"],
        text=row["text"],
        title=row["title"],
        issuer=USPSTF_ISSUER,
        section=row.get("section") or "",
        date=row.get("pub_date"),
        url=row.get("source_url"),
        grade=row.get("grade"),
        topic=topic,
        doc_id=f"uspstf-topic-{row['general_id']}",
        source="uspstf",
    )
    return passage.model_dump(exclude_none=True)


def _leading_words(text: str, limit: int = 80) -> str:
    """A title for the few MedQuAD answers without a question focus: their opening words."""
    head = text.strip().split(". ", 1)[0]
    return head if len(head) <= limit else head[:limit].rsplit(" ", 1)[0] + "…"


def medquad_record(row: dict[str, Any], issuers: dict[str, str]) -> dict[str, Any]:
    """A MedQuAD answer passage; the question is kept for evaluation but never indexed."""
    folder, filename = row["medquad_file"].split("/", 1)
    stem = Path(filename).stem
    qa_number = row["id"].rsplit("-", 1)[1]
    passage = Passage(
        id=f"medquad-{folder.split('_', 1)[0]}-{stem}-{qa_number}",
        text=row["text"],
        title=row["title"].strip() or _leading_words(row["text"]),
        issuer=issuers[row["source"]],
        section=row.get("qtype") or "",
        date=MEDQUAD_RELEASE_DATE,
        url=row.get("source_url"),
        topic=row["title"].strip() or None,
        doc_id=f"medquad-{folder.split('_', 1)[0]}-{stem}",
        source="medquad",
    )
    return {**passage.model_dump(exclude_none=True), "question": row["question"]}


def convert(src: Path) -> list[dict[str, Any]]:
    issuers = json.loads((DATA_DIR / "medquad_issuers.json").read_text(encoding="utf-8"))
    records = [uspstf_record(r) for r in _read_jsonl(src / "uspstf" / "uspstf_passages.jsonl")]
    medquad = src / "medquad_nih" / "medquad_nih_qa_passages.jsonl"
    records += [medquad_record(r, issuers) for r in _read_jsonl(medquad)]
    ids = [r["id"] for r in records]
    if len(set(ids)) != len(ids):
        raise ValueError("passage ids are not unique after conversion")
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path, help="folder with uspstf/ and medquad_nih/")
    args = parser.parse_args()
    records = convert(args.src)
    with gzip.GzipFile(DEFAULT_CORPUS_FILE, "wb", compresslevel=9, mtime=0) as gz:
        for r in records:
            gz.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
    print(f"wrote {len(records)} passages to {DEFAULT_CORPUS_FILE}")


if __name__ == "__main__":
    main()
