"""Rebuild the shipped default corpus and its embeddings from the source files.

Usage: ``python -m medcite.corpora.convert ../shared/data/guidelines`` (or ``make corpus``); writes
``corpora/data/``: the passages and their all-MiniLM-L6-v2 vectors. Rows whose indexed text is
unchanged keep their vector; only new or changed rows are embedded (``--embed-all`` embeds every row).

USPSTF: each specific recommendation of the Prevention TaskForce API dump becomes its own statement
passage (id ``uspstf-rec-<id>``, with grade, population and date); the other sections come from the
passage file. Every USPSTF passage carries the population it addresses (sex, ages, pregnancy), for
section passages the span of its topic's recommendations.

MedQuAD records no page dates; their date is the MedQuAD release year (2019). MedQuAD ids are made
unique by the source file name.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from medcite.corpora.default import DATA_DIR, DEFAULT_CORPUS_FILE, VECTORS_FILE, iter_records
from medcite.corpora.html_text import html_to_markdown
from medcite.tools.retrieval.passage import Passage

MEDQUAD_RELEASE_DATE = "2019"
USPSTF_ISSUER = "USPSTF"
USPSTF_API_DUMP = "uspstf_prevention_taskforce_api_dump_2024-05-02.json"
STATEMENT_SECTION = "Recommendation Statement"
# A population written as pregnant (or postpartum) persons only, or as nonpregnant persons.
_PREGNANT_ONLY = re.compile(r"\bpregnan|\bpostpartum\b|\bnew mothers\b", re.IGNORECASE)
_PREGNANT_ALSO = re.compile(r"\bincluding pregnant\b|\bcould become pregnant\b|\bplan to\b", re.IGNORECASE)
_NONPREGNANT = re.compile(r"\bnonpregnant\b", re.IGNORECASE)


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _plain(html: str | None) -> str:
    """HTML of the API dump as one line of text."""
    text, _ = html_to_markdown(html or "")
    return " ".join(text.replace("#", " ").split())


def _topic(title: str) -> str:
    """The recommendation topic: the title before ' -- ' (the population follows it)."""
    return title.split(" -- ", 1)[0].strip()


def population(spec: dict[str, Any]) -> dict[str, Any]:
    """Sex, ages and pregnancy of one specific recommendation, as passage fields."""
    who = spec["title"].split(" -- ", 1)[1] if " -- " in spec["title"] else ""
    sex = spec.get("sex") if spec.get("sex") in ("female", "male") else None
    low, high = (int(a) for a in spec["ageRange"])
    pregnancy = None
    if _NONPREGNANT.search(who):
        pregnancy = "excluded"
    elif _PREGNANT_ONLY.search(who) and not _PREGNANT_ALSO.search(who):
        pregnancy = "only"
    return {"sex": sex, "age_min": low, "age_max": high, "pregnancy": pregnancy}


def topic_population(specs: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The population a whole topic addresses: the span of its recommendations' populations."""
    pops = [population(s) for s in specs]
    if not pops:
        return {}
    sexes = {p["sex"] for p in pops}
    pregnancies = {p["pregnancy"] for p in pops}
    return {
        "sex": sexes.pop() if len(sexes) == 1 else None,
        "age_min": min(p["age_min"] for p in pops),
        "age_max": max(p["age_max"] for p in pops),
        "pregnancy": pregnancies.pop() if len(pregnancies) == 1 else None,
    }


def _age_text(low: int, high: int) -> str:
    return f"ages {low} and older" if high >= 100 else f"ages {low} to {high}"


def statement_record(spec: dict[str, Any], general: dict[str, Any]) -> dict[str, Any]:
    """One specific recommendation as its own citable passage: statement, population, frequency, risk."""
    pop = population(spec)
    who = spec["title"].split(" -- ", 1)[1].strip() if " -- " in spec["title"] else ""
    sex = {"female": "women", "male": "men"}.get(pop["sex"] or "", "men and women")
    pregnancy = {"only": "; pregnant or postpartum persons only", "excluded": "; nonpregnant persons"}
    lines = [f"Recommendation (Grade {spec['grade']}): {_plain(spec['text'])}"]
    lines.append(
        f"Population: {who} ({sex}, {_age_text(pop['age_min'], pop['age_max'])}"
        f"{pregnancy.get(pop['pregnancy'] or '', '')})."
    )
    for label, field in (("Frequency", "servFreq"), ("Risk assessment", "riskText")):
        text = _plain(spec.get(field))
        if text:
            lines.append(f"{label}: {text}")
    passage = Passage(
        id=f"uspstf-rec-{spec['id']}",
        text="\n".join(lines),
        title=" ".join(spec["title"].split()),
        issuer=USPSTF_ISSUER,
        section=STATEMENT_SECTION,
        date=general["pubDate"],
        url=f"https://www.uspreventiveservicestaskforce.org/uspstf/recommendation/{general['uspstfAlias']}",
        grade=spec["grade"],
        topic=_topic(spec["title"]),
        doc_id=f"uspstf-topic-{spec['general']}",
        source="uspstf",
        recommendation_id=str(spec["id"]),
        **pop,
    )
    return passage.model_dump(exclude_none=True)


def uspstf_record(row: dict[str, Any], topic_pop: dict[str, Any] | None = None) -> dict[str, Any]:
    """A USPSTF section passage; the topic groups every version of one recommendation (title before ' -- ')."""
    passage = Passage(
        id=row["id"],
        text=row["text"],
        title=row["title"],
        issuer=USPSTF_ISSUER,
        section=row.get("section") or "",
        date=row.get("pub_date"),
        url=row.get("source_url"),
        grade=row.get("grade"),
        topic=_topic(row["title"]),
        doc_id=f"uspstf-topic-{row['general_id']}",
        source="uspstf",
        **(topic_pop or {}),
    )
    return passage.model_dump(exclude_none=True)


def uspstf_records(folder: Path) -> list[dict[str, Any]]:
    """Section passages of each topic, then the topic's recommendation statements from the API dump."""
    dump = json.loads((folder / USPSTF_API_DUMP).read_text(encoding="utf-8"))
    generals: dict[str, dict[str, Any]] = dump["generalRecommendations"]
    specs_of: dict[str, list[dict[str, Any]]] = {}
    for spec in dump["specificRecommendations"]:
        specs_of.setdefault(str(spec["general"]), []).append(spec)
    records: list[dict[str, Any]] = []
    for row in _read_jsonl(folder / "uspstf_passages.jsonl"):
        if row.get("section") == STATEMENT_SECTION:
            continue  # rebuilt from the API dump below
        records.append(uspstf_record(row, topic_population(specs_of.get(str(row["general_id"]), []))))
    for spec in dump["specificRecommendations"]:
        records.append(statement_record(spec, generals[str(spec["general"])]))
    return records


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
    records = uspstf_records(src / "uspstf")
    medquad = src / "medquad_nih" / "medquad_nih_qa_passages.jsonl"
    records += [medquad_record(r, issuers) for r in _read_jsonl(medquad)]
    ids = [r["id"] for r in records]
    if len(set(ids)) != len(ids):
        raise ValueError("passage ids are not unique after conversion")
    return records


def index_text(record: dict[str, Any]) -> str:
    return Passage.model_validate({k: v for k, v in record.items() if k != "question"}).index_text()


def reusable_vectors(corpus: Path = DEFAULT_CORPUS_FILE, vectors: Path = VECTORS_FILE) -> dict[str, np.ndarray]:
    """Shipped vectors by indexed text, when the shipped files exist and match each other."""
    if not corpus.is_file() or not vectors.is_file():
        return {}
    rows = np.load(vectors).astype(np.float32)
    texts = [index_text(r) for r in iter_records(corpus)]
    if len(texts) != len(rows):
        return {}
    return dict(zip(texts, rows, strict=True))


def corpus_vectors(
    records: list[dict[str, Any]], known: dict[str, np.ndarray], embedder: Any
) -> tuple[np.ndarray, int]:
    """One vector per record: a known one for unchanged text, else embedded now. Returns the rows and how
    many were embedded."""
    texts = [index_text(r) for r in records]
    todo = sorted({t for t in texts if t not in known})
    fresh = dict(zip(todo, embedder.encode(todo), strict=True)) if todo else {}
    return np.stack([known[t] if t in known else fresh[t] for t in texts]).astype(np.float16), len(todo)


def write_corpus(records: list[dict[str, Any]], path: Path = DEFAULT_CORPUS_FILE) -> None:
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as gz:
        for r in records:
            gz.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))


def main() -> None:
    from medcite.tools.retrieval.embedding import DEFAULT_EMBEDDING_NAME, GuidelineEmbedder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path, help="folder with uspstf/ and medquad_nih/")
    parser.add_argument("--embed-all", action="store_true", help="embed every passage, reusing no vector")
    args = parser.parse_args()
    records = convert(args.src)
    known = {} if args.embed_all else reusable_vectors()
    vectors, embedded = corpus_vectors(records, known, GuidelineEmbedder(DEFAULT_EMBEDDING_NAME))
    write_corpus(records)
    np.save(VECTORS_FILE, vectors)
    print(f"wrote {len(records)} passages to {DEFAULT_CORPUS_FILE}")
    print(f"wrote {len(vectors)} vectors to {VECTORS_FILE} ({embedded} embedded, {len(vectors) - embedded} kept)")


if __name__ == "__main__":
    main()
