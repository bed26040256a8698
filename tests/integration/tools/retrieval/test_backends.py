"""Store and ranking backends: a Chroma server over HTTP, and cross-encoder re-ranking."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from medcite.core.settings import Settings
from medcite.corpora.default import default_vectors
from medcite.corpora.ingest import ingest_paths, write_documents
from medcite.tools.retrieval import GuidelineRetriever, GuidelineStore
from medcite.tools.retrieval.embedding import GuidelineEmbedder, resolve_model
from medcite.tools.retrieval.passage import Document
from medcite.tools.retrieval.rerank import CrossEncoderReranker
from medcite.tools.retrieval.retriever import RERANK_CANDIDATES
from tests.fixtures.guideline_docs import GOOD_MARKDOWN


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = shutil.which("chroma") or str(Path(__import__("sys").executable).with_name("chroma"))
    port = _free_port()
    proc = subprocess.Popen(
        [
            exe,
            "run",
            "--path",
            str(tmp_path_factory.mktemp("chroma-server")),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("chroma server did not start within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_http_store_ingests_and_searches(
    chroma_url: str, tmp_path: Path, guideline_embedder: GuidelineEmbedder
) -> None:
    settings = Settings(data_dir=tmp_path / "data", chroma_url=chroma_url)
    store = GuidelineStore(settings, guideline_embedder)
    assert not settings.store_dir.exists()  # nothing stored locally
    md = tmp_path / "htn.md"
    md.write_text(GOOD_MARKDOWN, encoding="utf-8")
    retriever = GuidelineRetriever(store)
    assert [r.status for r in ingest_paths(retriever.store, [md]).results] == ["added"]
    assert [r.status for r in ingest_paths(retriever.store, [md]).results] == ["unchanged"]
    hits = retriever.search("blood pressure measurement outside the clinic", k=1)
    assert hits[0].passage.section == "Screening" and hits[0].date == "2024-03-01"


def test_cross_encoder_reorders_the_fused_candidates(
    tmp_path: Path, guideline_embedder: GuidelineEmbedder, guideline_subset: list[Document]
) -> None:
    """A cross-encoder (MiniLM with an untrained head, built offline) decides the final order."""
    from sentence_transformers import CrossEncoder

    model_dir = tmp_path / "cross-encoder"
    CrossEncoder(resolve_model("all-MiniLM-L6-v2"), num_labels=1).save(str(model_dir))
    settings = Settings(data_dir=tmp_path / "data", reranker_model=str(model_dir))
    store = GuidelineStore(settings, guideline_embedder)
    write_documents(store, guideline_subset[:3], vectors=default_vectors(guideline_embedder))
    retriever = GuidelineRetriever(store, settings)
    assert isinstance(retriever.reranker, CrossEncoderReranker)
    query = "autism screening in young children"
    ranked, chunks = retriever.rank(query)
    ranked = ranked[:RERANK_CANDIDATES]
    hits = retriever.search(query, k=5)
    scores = retriever.reranker.scores(query, [chunks[r.id].passage.index_text() for r in ranked])
    expected = sorted(zip(scores, (r.id for r in ranked), strict=True), key=lambda t: -t[0])
    assert [h.passage.id for h in hits] == [pid for _, pid in expected[:5]]
    assert [h.score for h in hits] == pytest.approx([s for s, _ in expected[:5]], abs=1e-4)
