"""medcite agent: LangGraph state machine, model backends, prompts and CLI.

medcite is a research tool, never a medical device.
"""

import os

# llama.cpp and torch use OpenMP; its default busy-waiting threads stall badly when the CPU is shared
# (10x slower generation on a loaded 2-core machine). Must be set before either library loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"

DISCLAIMER = "Research use only: medcite output is not medical advice and medcite is not a medical device."
