"""The agent (``medcite.agent``): LangGraph state machine, nodes, prompts, rules and model backends."""
