"""The child of the llama.cpp model check: load a GGUF with a tiny context, generate a few tokens and
print llama.cpp's system info as JSON. ``python -m medcite.agent.models.llama_probe MODEL.gguf``."""

from __future__ import annotations

import json
import sys

from medcite.agent.models.llama_runtime import system_info


def main(model_path: str) -> None:
    from llama_cpp import Llama

    llm = Llama(model_path=model_path, n_ctx=256, n_threads=1, n_batch=64, verbose=False, seed=0)
    llm.create_completion("The patient", max_tokens=4, temperature=0.0)
    print(json.dumps({"system_info": system_info()}))


if __name__ == "__main__":
    main(sys.argv[1])
