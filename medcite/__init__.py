"""medcite: cited, verified, flagged clinical answers and summaries over FHIR R4 records and guidelines.

Layers (each imports only those below it): ``medcite.core`` ← ``medcite.tools`` ← ``medcite.corpora``
← ``medcite.agent`` ← ``medcite.evals``; ``medcite.cli`` and ``medcite.eval_adapters`` wire them together.
medcite is a research tool, never a medical device.
"""

import os

# llama.cpp and torch use OpenMP; its default busy-waiting threads stall badly when the CPU is shared
# (10x slower generation on a loaded 2-core machine). Must be set before either library loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
