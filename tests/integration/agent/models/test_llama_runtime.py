"""The installed llama.cpp is a portable build, and a crashing backend is a clear error, never a crash
of the caller. These fail on a regression on any machine, not only on one with AMX."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from medcite.agent.models import require_backend
from medcite.agent.models.llama_runtime import (
    REBUILD_COMMAND,
    BackendCrashError,
    check_model,
    compiled_features,
    non_portable_features,
    system_info,
)
from medcite.agent.models.llamacpp import resolve_gguf
from medcite.cli import main
from medcite.core.errors import ConfigError, ModelUnavailableError
from tests.fixtures.fhir_server import SekmetServer

SMOLLM2 = resolve_gguf("smollm2")
CRASH = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"]


def test_installed_llama_cpp_reports_only_portable_cpu_features() -> None:
    info = system_info()
    assert "AVX2" in compiled_features(info)  # the baseline the build asks for
    assert non_portable_features(info) == [], info
    assert "AMX" not in info


def _cpu_library() -> Path:
    import llama_cpp

    found = sorted((Path(llama_cpp.__file__).parent / "lib").glob("libggml-cpu*.so*"))
    assert found, "no ggml CPU library in the llama_cpp package"
    return found[0]


@pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump (binutils) is not installed")
def test_cpu_kernels_hold_no_amx_or_avx512_instructions() -> None:
    """A native build on any AVX-512 machine would show zmm registers; on an AMX machine, tile instructions."""
    listing = subprocess.run(["objdump", "-d", str(_cpu_library())], capture_output=True, text=True, check=True).stdout
    assert len(listing) > 100_000
    for marker in ("zmm", "tdpb", "tileloadd", "ldtilecfg"):
        assert marker not in listing, f"{marker} instructions in {_cpu_library().name}: not a portable build"


def test_a_child_that_crashes_is_one_paragraph_and_the_caller_lives(tmp_path: Path) -> None:
    with pytest.raises(BackendCrashError) as err:
        check_model(SMOLLM2, tmp_path, probe=CRASH)
    message = str(err.value)
    assert "crashed (SIGSEGV)" in message and SMOLLM2.name in message
    assert REBUILD_COMMAND in message and "-DGGML_NATIVE=OFF" in message
    assert "\n" not in message
    assert list(tmp_path.iterdir()) == []  # a crash is never cached as a pass


def test_a_child_that_fails_names_its_error(tmp_path: Path) -> None:
    probe = [sys.executable, "-c", "import sys; sys.exit('model file is not a GGUF')"]
    with pytest.raises(ModelUnavailableError, match="model file is not a GGUF") as err:
        check_model(SMOLLM2, tmp_path, probe=probe)
    assert not isinstance(err.value, BackendCrashError)


def test_the_real_check_passes_once_then_costs_nothing(tmp_path: Path) -> None:
    first = check_model(SMOLLM2, tmp_path)
    assert not first.cached and first.seconds > 0 and "AVX2" in first.system_info
    assert len(list(tmp_path.glob("*.json"))) == 1
    again = check_model(SMOLLM2, tmp_path, probe=CRASH)  # cached: the probe is not run
    assert again.cached and again.checked == first.checked


def test_a_backend_crash_reaches_the_user_as_an_error_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The model backend runs the check before loading; the CLI prints the paragraph, exit 2."""
    import medcite.agent.models.llamacpp as llamacpp

    monkeypatch.setattr(llamacpp, "check_model", lambda path, cache: check_model(path, None, probe=CRASH))
    monkeypatch.setenv("MEDCITE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("MEDCITE_N_CTX", "1024")  # a model instance of its own, not the cached one
    assert main(["ask", "What is hypertension?", "--raw"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("medcite: error: The llama.cpp library in this environment crashed (SIGSEGV)")
    assert "Traceback" not in err


def test_a_missing_backend_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    with pytest.raises(ConfigError, match=r"pip install 'medcite\[llamacpp\]'"):
        require_backend("llamacpp")
    monkeypatch.setitem(sys.modules, "accelerate", None)
    with pytest.raises(ConfigError, match=r"medcite\[transformers\]"):
        require_backend("transformers")


DOCTOR_LINES = (
    "ok    model: llamacpp:smollm2",
    "(portable build)",
    "ok    model check: tiny generation in a child process passed in",
    "ok    embeddings: all-MiniLM-L6-v2",
    "ok    guideline store",
    "all checks passed",
)


def test_doctor_reports_every_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sekmet_server: SekmetServer
) -> None:
    monkeypatch.setenv("MEDCITE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("MEDCITE_FHIR_TOKEN", sekmet_server.token)
    assert main(["doctor", "--fhir", sekmet_server.base_url]) == 0
    out = capsys.readouterr().out
    for line in (*DOCTOR_LINES, f"ok    FHIR server: {sekmet_server.base_url}: reachable"):
        assert line in out
    assert main(["doctor"]) == 0
    assert "model check: tiny generation in a child process passed before" in capsys.readouterr().out
    assert main(["doctor", "--fhir", "http://127.0.0.1:9/fhir"]) == 1
    assert "FAIL  FHIR server" in capsys.readouterr().out
