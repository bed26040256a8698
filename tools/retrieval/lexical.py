"""BM25 over the stored chunks (``bm25s``), cached on disk per store revision."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

log = logging.getLogger(__name__)

STOPWORDS = "en"
LEXICAL_FORMAT = "en-snowball-1"  # part of the cache key: change with the tokenizer
_IDS_FILE = "ids.json"


_STEMMER = Stemmer.Stemmer("english")


def _tokenize(texts: Sequence[str]) -> bm25s.tokenization.Tokenized:
    return bm25s.tokenize(
        list(texts), stopwords=STOPWORDS, stemmer=_STEMMER.stemWords, show_progress=False
    )


class LexicalIndex:
    """A BM25 index whose rows map to chunk ids."""

    def __init__(self, ids: list[str], model: bm25s.BM25 | None) -> None:
        self.ids = ids
        self.model = model

    @classmethod
    def build(cls, ids: list[str], texts: Sequence[str]) -> LexicalIndex:
        if not ids:
            return cls([], None)
        model = bm25s.BM25()
        model.index(_tokenize(texts), show_progress=False)
        return cls(list(ids), model)

    def search(self, query: str, n: int) -> list[tuple[str, float]]:
        """Top chunk ids with positive BM25 score, best first."""
        if self.model is None or n <= 0:
            return []
        tokens = _tokenize([query])
        vocab = self.model.vocab_dict
        words = [w for w, _ in sorted(tokens.vocab.items(), key=lambda kv: kv[1])]
        query_terms = [[words[i] for i in tokens.ids[0] if words[i] in vocab]]
        if not query_terms[0]:
            return []
        docs, scores = self.model.retrieve(query_terms, k=min(n, len(self.ids)), show_progress=False, n_threads=0)
        return [
            (self.ids[int(d)], float(s))
            for d, s in zip(np.asarray(docs)[0], np.asarray(scores)[0], strict=True)
            if s > 0
        ]

    def save(self, folder: Path) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.model is not None:
            self.model.save(str(tmp), show_progress=False)
        (tmp / _IDS_FILE).write_text(json.dumps(self.ids), encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        ids_file = folder / _IDS_FILE
        if not ids_file.is_file():
            return None
        try:
            ids = json.loads(ids_file.read_text(encoding="utf-8"))
            model = bm25s.BM25.load(str(folder), show_progress=False) if ids else None
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable BM25 cache %s: %s", folder, exc)
            return None
        return cls(ids, model)
