"""Optional cross-encoder re-ranking (``Settings.reranker_model``: a sentence-transformers CrossEncoder)."""

from __future__ import annotations

from collections.abc import Sequence

from medcite.core.errors import ModelUnavailableError
from medcite.tools.retrieval.embedding import resolve_model


class CrossEncoderReranker:
    def __init__(self, model_name: str) -> None:
        from sentence_transformers import CrossEncoder

        self.model_name = model_name
        try:
            self.model = CrossEncoder(resolve_model(model_name), device=None)
        except OSError as exc:
            raise ModelUnavailableError(f"Cannot load re-ranking model {model_name!r}: {exc}") from exc

    def scores(self, query: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        raw = self.model.predict([(query, t) for t in texts], show_progress_bar=False)
        return [float(s) for s in raw]
