"""medcite agent: LangGraph state machine, model backends, prompts and CLI.

medcite is a research tool, never a medical device.
"""

__version__ = "0.1.0"

DISCLAIMER = (
    "Research use only: medcite output is not medical advice and medcite is not a medical device."
)
