"""``medcite doctor``: what this installation has and whether each part works.

Model backend and model file, llama.cpp's compiled CPU features and the crash-proof model check,
the embedding model, the guideline store, and the FHIR server when one is configured.
"""

from __future__ import annotations

import argparse
import platform
from collections.abc import Callable
from typing import Any

from medcite import __version__
from medcite.cli.common import add_model_options, settings_from_args
from medcite.core.errors import MedciteError
from medcite.core.settings import Settings

Check = Callable[[Settings, argparse.Namespace], str]


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("doctor", help="check this installation: model, llama.cpp, stores")
    p.add_argument("--fhir", help="FHIR server base URL to check (default: MEDCITE_FHIR_URL)")
    p.add_argument("--recheck", action="store_true", help="run the model check again even if it passed before")
    add_model_options(p)
    p.set_defaults(func=run)


def _model(settings: Settings, args: argparse.Namespace) -> str:
    from medcite.agent.models import load_chat_model, parse_model_spec, require_backend

    spec = parse_model_spec(settings.model)
    require_backend(spec.backend)
    model: Any = load_chat_model(settings)
    where = getattr(model, "model_path", None) or getattr(model, "model_id", None) or spec.target
    return f"{spec} -> {where}"


def _llama_cpp(settings: Settings, args: argparse.Namespace) -> str:
    from medcite.agent.models import parse_model_spec
    from medcite.agent.models.llama_runtime import (
        REBUILD_COMMAND,
        compiled_features,
        non_portable_features,
        system_info_in_child,
    )

    if parse_model_spec(settings.model).backend != "llamacpp":
        return "not used by this model spec"
    import llama_cpp

    info = system_info_in_child()
    if not info:
        raise MedciteError(f"llama.cpp could not report its features (it may crash here); rebuild: {REBUILD_COMMAND}")
    extra = non_portable_features(info)
    features = " ".join(compiled_features(info))
    text = f"llama-cpp-python {llama_cpp.__version__}; compiled CPU features: {features}"
    if extra:
        raise MedciteError(f"{text}. Not portable ({', '.join(extra)}): rebuild with {REBUILD_COMMAND}")
    return text + " (portable build)"


def _model_check(settings: Settings, args: argparse.Namespace) -> str:
    from pathlib import Path

    from medcite.agent.models import parse_model_spec
    from medcite.agent.models.llama_runtime import check_model
    from medcite.agent.models.llamacpp import resolve_gguf

    spec = parse_model_spec(settings.model)
    if spec.backend != "llamacpp":
        return "only GGUF models are checked in a child process"
    cache = settings.cache_dir / "llama-checks"
    path = resolve_gguf(spec.target)
    if args.recheck:
        for old in cache.glob("*.json"):
            old.unlink()
    done = check_model(Path(path), cache)
    how = f"passed before ({done.checked})" if done.cached else f"passed in {done.seconds:.1f} s"
    return f"tiny generation in a child process {how}"


def _embeddings(settings: Settings, args: argparse.Namespace) -> str:
    from medcite.tools.retrieval.embedding import GuidelineEmbedder

    embedder = GuidelineEmbedder(settings.embedding_model)
    return f"{embedder.model_name} ({embedder.model_path}), {embedder.dimension} dimensions"


def _guideline_store(settings: Settings, args: argparse.Namespace) -> str:
    if settings.chroma_url is None and not settings.store_dir.is_dir():
        return f"not built yet at {settings.store_dir} (built on first use, or now with `medcite ingest --default`)"
    from medcite.corpora.default import DEFAULT_SOURCES, corpus_version
    from medcite.tools.retrieval import GuidelineStore

    store = GuidelineStore(settings)
    current = store.default_corpus_version() == corpus_version()
    default = "default corpus current" if current else "default corpus not built or outdated (rebuilt on first use)"
    where = settings.chroma_url or str(settings.store_dir)
    shipped = store.count_sources(DEFAULT_SOURCES)
    return f"{where}: {store.count()} chunks ({shipped} from the default corpus); {default}"


def _fhir_server(settings: Settings, args: argparse.Namespace) -> str:
    url = args.fhir or settings.fhir_url
    if not url:
        return "none configured (--fhir URL or MEDCITE_FHIR_URL)"
    from medcite.tools.fhir import ServerSource

    source = ServerSource.from_settings(url, settings, max_retries=0)
    try:
        return f"{url}: reachable ({source.server_info()})"
    finally:
        source.close()


CHECKS: tuple[tuple[str, Check], ...] = (
    ("model", _model),
    ("llama.cpp", _llama_cpp),
    ("model check", _model_check),
    ("embeddings", _embeddings),
    ("guideline store", _guideline_store),
    ("FHIR server", _fhir_server),
)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    print(f"medcite {__version__} (Python {platform.python_version()}, {platform.system()} {platform.machine()})")
    failed = 0
    for name, check in CHECKS:
        try:
            line = f"ok    {name}: {check(settings, args)}"
        except (MedciteError, ImportError, OSError) as exc:
            failed += 1
            line = f"FAIL  {name}: {exc}"
        print(line, flush=True)
    print("all checks passed" if not failed else f"{failed} check(s) failed")
    return 1 if failed else 0
