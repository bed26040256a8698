"""Model spec parsing and user-facing configuration errors."""

from __future__ import annotations

import pytest

from medcite.agent.models import load_chat_model, parse_model_spec
from medcite.cli import main
from medcite.core.errors import ConfigError, ModelUnavailableError
from medcite.core.settings import Settings


@pytest.mark.parametrize(
    ("spec", "backend", "target", "served"),
    [
        ("llamacpp:smollm2", "llamacpp", "smollm2", None),
        (
            "llamacpp:/m/medgemma-27b-text-it-Q4_K_M.gguf",
            "llamacpp",
            "/m/medgemma-27b-text-it-Q4_K_M.gguf",
            None,
        ),
        (
            "transformers:google/medgemma-27b-text-it",
            "transformers",
            "google/medgemma-27b-text-it",
            None,
        ),
        (
            "openai:http://127.0.0.1:8000/v1#google/medgemma-27b-text-it",
            "openai",
            "http://127.0.0.1:8000/v1",
            "google/medgemma-27b-text-it",
        ),
        (
            "openai:http://localhost:11434/v1/#medgemma:27b",
            "openai",
            "http://localhost:11434/v1",
            "medgemma:27b",
        ),
    ],
)
def test_parse(spec: str, backend: str, target: str, served: str | None) -> None:
    parsed = parse_model_spec(spec)
    assert (parsed.backend, parsed.target, parsed.served_model) == (backend, target, served)


@pytest.mark.parametrize("spec", ["gpt4", "vllm:foo", "llamacpp:", "openai:ftp://x#m", "openai:not a url"])
def test_bad_specs_say_what_to_use(spec: str) -> None:
    with pytest.raises(ConfigError, match=r"(BACKEND:TARGET|server URL)"):
        parse_model_spec(spec)


def test_missing_gguf_names_the_path_and_alternatives(tmp_path: object) -> None:
    with pytest.raises(ModelUnavailableError, match=r"GGUF model file not found: .*nothere\.gguf.*llamacpp:smollm2"):
        load_chat_model(Settings(model="llamacpp:/nonexistent/nothere.gguf"))


def test_cli_reports_user_errors_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "hi", "--model", "nosuch:thing"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("medcite: error: Unknown model spec 'nosuch:thing'")
    assert "Traceback" not in err


def test_env_fallback_and_bad_env_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDCITE_MODEL", "openai:http://127.0.0.1:9/v1#m")
    monkeypatch.setenv("MEDCITE_MAX_NEW_TOKENS", "77")
    s = Settings.from_env()
    assert (s.model, s.max_new_tokens) == ("openai:http://127.0.0.1:9/v1#m", 77)
    monkeypatch.setenv("MEDCITE_MAX_NEW_TOKENS", "lots")
    with pytest.raises(ConfigError, match="MEDCITE_MAX_NEW_TOKENS='lots'"):
        Settings.from_env()
