"""Systems the FHIR and summary evaluations can run, by name.

An entry maps a name to a factory, or to its import path ``"package.module:attribute"`` (imported
only when used). A factory takes an ``AgentEnv`` and returns the function the runner calls:

- FHIR QA:   ``factory(env) -> Callable[[FhirTask], AnswerLike]``
- summaries: ``factory(env) -> Callable[[SummaryTarget], AnswerLike]``

``AnswerLike`` is anything with ``text`` (inline ``[Type/id]`` citations), and optionally citation
keys (``citation_keys``, ``cited_keys()`` or ``citations[*].key``) and ``flags``. Register the agent
with ``register_fhir_agent("medcite", "mypackage.module:fhir_answer_factory")`` (``medcite.eval_adapters``
registers the agent this way) or pass an import path as the name on the command line.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from medcite.core.errors import ConfigError, MedciteError
from medcite.core.settings import Settings

DEFAULT_AGENT = "medcite"

Factory = Callable[["AgentEnv"], Callable[[Any], Any]]


@dataclass(frozen=True)
class AgentEnv:
    """What a factory gets: settings (model spec, data dir) and where patient data is read from."""

    settings: Settings = field(default_factory=Settings.from_env)
    fhir_url: str | None = None  # a FHIR server base URL to read from instead of the task's bundle file


# The agent itself is registered under DEFAULT_AGENT by the composition root (medcite.eval_adapters),
# so this package never imports it.
AGENT_FACTORIES: dict[str, Factory | str] = {
    "oracle": "medcite.evals.fhir.oracle:oracle_factory",
    "dump": "medcite.evals.fhir.dump:dump_factory",
}
SUMMARIZER_FACTORIES: dict[str, Factory | str] = {
    "oracle": "medcite.evals.summaries.oracle:oracle_summary_factory",
}


class AgentNotInstalledError(MedciteError):
    """No system is registered under the requested name."""


def register_fhir_agent(name: str, factory: Factory | str) -> None:
    AGENT_FACTORIES[name] = factory


def register_summarizer(name: str, factory: Factory | str) -> None:
    SUMMARIZER_FACTORIES[name] = factory


def _import(path: str) -> Factory:
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"{path!r} is not an import path of the form 'package.module:attribute'")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise AgentNotInstalledError(f"cannot import {module_name!r} for {path!r}: {exc}") from exc
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ConfigError(f"{path!r}: {module_name} has no callable {attr!r}")
    return factory


def _resolve(registry: dict[str, Factory | str], name: str, what: str, env: AgentEnv) -> Callable[[Any], Any]:
    entry = registry.get(name)
    if entry is None and ":" in name:
        entry = name
    if entry is None:
        known = ", ".join(sorted(registry)) or "none"
        raise AgentNotInstalledError(
            f"the agent is not installed: no {what} is registered under {name!r} (registered: {known}). "
            f"Register one in evals.registry, or pass an import path 'package.module:factory'."
        )
    factory = _import(entry) if isinstance(entry, str) else entry
    return factory(env)


def resolve_fhir_agent(name: str, env: AgentEnv) -> Callable[[Any], Any]:
    """The answer function registered under ``name`` (or the factory at an import path)."""
    return _resolve(AGENT_FACTORIES, name, "FHIR answer function", env)


def resolve_summarizer(name: str, env: AgentEnv) -> Callable[[Any], Any]:
    """The summary function registered under ``name`` (or the factory at an import path)."""
    return _resolve(SUMMARIZER_FACTORIES, name, "summary function", env)
