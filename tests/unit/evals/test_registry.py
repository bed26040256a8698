from pathlib import Path

import pytest

from medcite.cli import main
from medcite.core.errors import ConfigError, MedciteError
from medcite.evals.fhir.oracle import oracle_answer
from medcite.evals.registry import (
    AGENT_FACTORIES,
    DEFAULT_AGENT,
    SUMMARIZER_FACTORIES,
    AgentEnv,
    AgentNotInstalledError,
    register_fhir_agent,
    resolve_fhir_agent,
    resolve_summarizer,
)


def test_unregistered_agent_is_a_clear_medcite_error() -> None:
    with pytest.raises(MedciteError, match="the agent is not installed") as err:
        resolve_fhir_agent("no-such-agent", AgentEnv())
    assert isinstance(err.value, AgentNotInstalledError)
    assert "oracle" in str(err.value)
    with pytest.raises(AgentNotInstalledError, match="summary function"):
        resolve_summarizer("no-such-agent", AgentEnv())


def test_oracle_by_name_and_by_import_path() -> None:
    assert resolve_fhir_agent("oracle", AgentEnv()) is oracle_answer
    assert resolve_fhir_agent("medcite.evals.fhir.oracle:oracle_factory", AgentEnv()) is oracle_answer


def test_bad_import_paths() -> None:
    with pytest.raises(AgentNotInstalledError, match="cannot import"):
        resolve_fhir_agent("medcite_missing_pkg.mod:factory", AgentEnv())
    with pytest.raises(ConfigError, match="no callable"):
        resolve_fhir_agent("medcite.evals.fhir.oracle:nothing_here", AgentEnv())


def test_registered_factory_receives_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[AgentEnv] = []

    def factory(env: AgentEnv) -> object:
        seen.append(env)
        return oracle_answer

    monkeypatch.setitem(AGENT_FACTORIES, "custom", factory)
    env = AgentEnv(fhir_url="http://127.0.0.1:1/fhir")
    assert resolve_fhir_agent("custom", env) is oracle_answer
    assert seen == [env]
    register_fhir_agent("custom", factory)  # same entry again, through the public helper
    assert AGENT_FACTORIES["custom"] is factory


def test_evals_name_no_agent_until_the_composition_root_registers_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from medcite.eval_adapters import fhir_answer_factory, register_agent, summary_factory
    from medcite.evals import registry

    monkeypatch.setattr(registry, "AGENT_FACTORIES", {k: v for k, v in AGENT_FACTORIES.items() if k != DEFAULT_AGENT})
    monkeypatch.setattr(
        registry, "SUMMARIZER_FACTORIES", {k: v for k, v in SUMMARIZER_FACTORIES.items() if k != DEFAULT_AGENT}
    )
    with pytest.raises(AgentNotInstalledError):
        resolve_fhir_agent(DEFAULT_AGENT, AgentEnv())
    register_agent()
    assert registry.AGENT_FACTORIES[DEFAULT_AGENT] is fhir_answer_factory
    assert registry.SUMMARIZER_FACTORIES[DEFAULT_AGENT] is summary_factory


@pytest.mark.parametrize(
    ("command", "option"), [(["eval", "fhir"], "--agent"), (["eval", "summaries"], "--summarizer")]
)
def test_cli_says_the_agent_is_not_installed(
    command: list[str], option: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    command += [option, "no-such-agent", "--bundles", str(tmp_path / "not-read"), "--out", str(tmp_path)]
    assert main([*command, "--limit", "1", "--no-progress"]) == 2
    assert "the agent is not installed" in capsys.readouterr().err
