"""The installed llama.cpp: its compiled CPU features, and a first-use model check that a crash
cannot take down the caller.

A llama.cpp built for its build machine's CPU (``GGML_NATIVE``) can die on a signal inside a matrix
kernel on another CPU, or even on the same one (Intel AMX kernels: llama.cpp issue #20824). The check
runs a tiny generation in a child process once per install and model file; a pass is cached, a crash
becomes one paragraph with the rebuild command.

The child is ``python -m medcite.agent.models.llama_probe MODEL.gguf``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from medcite.core.errors import ModelUnavailableError
from medcite.core.private_files import private_dir, write_atomic

LLAMA_CPP_VERSION = "0.3.36"
# The portable build: no -march=native, so neither AMX nor AVX-512 kernels from the build machine.
PORTABLE_CMAKE_ARGS = "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
REBUILD_COMMAND = (
    f'CMAKE_ARGS="{PORTABLE_CMAKE_ARGS}" pip install --force-reinstall --no-cache-dir --no-deps '
    f"llama-cpp-python=={LLAMA_CPP_VERSION}"
)
# Compiled features beyond the portable x86-64 baseline (AVX2, FMA, F16C, BMI2).
_NOT_PORTABLE = re.compile(r"^(AMX_\w+|AVX512\w*|AVX_VNNI|AVX10\w*)$")
_FEATURE = re.compile(r"([A-Z][A-Z0-9_]*) = 1")
CHECK_TIMEOUT_S = 180.0


class BackendCrashError(ModelUnavailableError):
    """The model backend's native code died on a signal."""


def system_info() -> str:
    """llama.cpp's own report of the features it was compiled with."""
    import llama_cpp

    return str(llama_cpp.llama_print_system_info().decode("utf-8", "replace")).strip()


def compiled_features(info: str) -> list[str]:
    """Feature names set to 1 in a system-info report (``AVX2``, ``FMA``, ``OPENMP``, ...)."""
    return list(dict.fromkeys(_FEATURE.findall(info)))


def non_portable_features(info: str) -> list[str]:
    """Compiled CPU features beyond the portable baseline (``AMX_INT8``, ``AVX512``, ...)."""
    return [f for f in compiled_features(info) if _NOT_PORTABLE.match(f)]


def _cpu_flags() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor()
    return next((line for line in text.splitlines() if line.startswith(("flags", "Features"))), "")


def _library_files() -> list[Path]:
    import llama_cpp

    lib = Path(llama_cpp.__file__).parent / "lib"
    return sorted(p for p in lib.glob("*") if p.is_file())


def fingerprint(model_path: Path) -> str:
    """What a cached pass depends on: the llama.cpp libraries, the model file, the CPU and Python."""
    parts = [sys.executable, platform.machine(), _cpu_flags(), str(model_path.resolve())]
    for path in [*_library_files(), model_path]:
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class ModelCheck:
    """The outcome of a passed check."""

    model: str
    system_info: str
    cached: bool
    seconds: float
    checked: str


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def _crash_paragraph(model_path: Path, returncode: int, info: str) -> str:
    extra = non_portable_features(info)
    compiled = f" It was compiled with {', '.join(extra)}, which ties it to its build machine." if extra else ""
    return (
        f"The llama.cpp library in this environment crashed ({_signal_name(returncode)}) while running a tiny "
        f"test generation with {model_path.name}, so medcite stopped before using it.{compiled} The usual cause is "
        "a llama-cpp-python built for the build machine's CPU (GGML_NATIVE; Intel AMX kernels crash this way, "
        "llama.cpp issue #20824), or a CPU without AVX2. Rebuild it portably: "
        f"`{REBUILD_COMMAND}` (from a checkout: `make clean setup`); on a CPU without AVX2 add "
        "-DGGML_AVX2=OFF -DGGML_FMA=OFF to CMAKE_ARGS. `medcite doctor` shows what is installed."
    )


def check_model(
    model_path: Path,
    cache_dir: Path | None,
    timeout_s: float = CHECK_TIMEOUT_S,
    probe: Sequence[str] | None = None,
) -> ModelCheck:
    """Run a tiny generation with ``model_path`` in a child process, once per install and model.

    A pass is cached under ``cache_dir`` (none: always run). A child that dies on a signal raises
    :class:`BackendCrashError`; one that fails otherwise or hangs raises ``ModelUnavailableError``.
    ``probe`` replaces the child's command (tests use a child that crashes).
    """
    cache = cache_dir / f"{fingerprint(model_path)}.json" if cache_dir is not None else None
    if cache is not None and cache.is_file():
        data = json.loads(cache.read_text())
        return ModelCheck(str(model_path), data["system_info"], cached=True, seconds=0.0, checked=data["checked"])
    command = list(probe or [sys.executable, "-m", "medcite.agent.models.llama_probe", str(model_path)])
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ModelUnavailableError(
            f"The llama.cpp model check with {model_path.name} did not finish in {timeout_s:.0f} s. "
            "Set MEDCITE_LLAMA_CHECK=0 to skip it on a very slow machine, or run `medcite doctor`."
        ) from exc
    seconds = time.perf_counter() - started
    if done.returncode < 0:
        raise BackendCrashError(_crash_paragraph(model_path, done.returncode, system_info_in_child()))
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ModelUnavailableError(f"The llama.cpp model check with {model_path} failed: {last}")
    info = json.loads(done.stdout.strip().splitlines()[-1])["system_info"]
    checked = datetime.now(UTC).isoformat(timespec="seconds")
    if cache is not None:
        record = {"model": str(model_path), "system_info": info, "checked": checked}
        write_atomic(private_dir(cache.parent) / cache.name, json.dumps(record))
    return ModelCheck(str(model_path), info, cached=False, seconds=seconds, checked=checked)


def system_info_in_child() -> str:
    """The system info, read in a child too (reading it can crash a broken build as well)."""
    code = "from medcite.agent.models.llama_runtime import system_info; print(system_info())"
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        return ""
    return done.stdout if done.returncode == 0 else ""
