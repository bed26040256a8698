"""Prompt reuse on the real embedded model (and a real sliding-window Gemma 3 GGUF): replies are identical
to evaluating every prompt from scratch, grammar-constrained requests still work, and shared prefixes
(system prompt + tool list, earlier chat turns) are not evaluated again.

The models run with 32-token micro-batches so that short prompts span several of them; the guarantee
does not depend on the size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.tools import tool

from medcite.agent.models.hf_transformers import gemma3_chat_template, resolve_model_source
from medcite.agent.models.llama_prompt_cache import common_prefix, reusable_prefix
from medcite.agent.models.llamacpp import LlamaCppChatModel, resolve_gguf
from medcite.agent.prompts import load_prompt
from medcite.agent.structured_draft import draft_schema

UBATCH = 32
EVIDENCE = "\n".join(
    [
        "[Patient/p1] Female, born 1961-03-02 (63 years).",
        "[Condition/c1] 2015-04-11 Type 2 diabetes mellitus (active).",
        "[Condition/c2] 2018-09-30 Essential hypertension (active).",
        "[MedicationRequest/m1] 2023-01-05 Metformin 500 mg oral tablet, twice daily (active).",
        "[Observation/o1] 2024-02-10 Hemoglobin A1c: 7.4 %.",
        "[Observation/o2] 2024-02-10 Systolic blood pressure: 138 mm[Hg].",
    ]
)
KEYS = ["Patient/p1", "Condition/c1", "Condition/c2", "MedicationRequest/m1", "Observation/o1", "Observation/o2"]


@tool
def search_observations(name: Annotated[str, "lab or vital-sign name, e.g. hba1c"]) -> str:
    """Search the patient's observations (labs, vital signs) by name; newest first."""
    return ""


@tool
def list_conditions(status: Annotated[str, "active, resolved or all"]) -> str:
    """List the patient's conditions with onset dates."""
    return ""


def make(path: Path, **fields: Any) -> LlamaCppChatModel:
    return LlamaCppChatModel(
        model_name=path.name,
        model_path=str(path),
        n_ctx=4096,
        n_batch=UBATCH,
        n_ubatch=UBATCH,
        max_tokens=48,
        preflight=False,
        **fields,
    )


def tool_turn(question: str) -> tuple[str, list[BaseMessage]]:
    prompt = load_prompt("reason").format(evidence=EVIDENCE, question=question)
    return "tools", [SystemMessage(load_prompt("system")), HumanMessage(prompt)]


def draft_turn(question: str) -> tuple[str, list[BaseMessage]]:
    prompt = load_prompt("draft").format(evidence=EVIDENCE, history="", question=question)
    return "draft", [SystemMessage(load_prompt("system")), HumanMessage(prompt + "\n" + load_prompt("draft_json"))]


def run(model: LlamaCppChatModel, kind: str, messages: list[BaseMessage]) -> tuple[AIMessage, list[int]]:
    """One request; returns the reply and the prompt tokens it evaluated."""
    if kind == "tools":
        bound = model.bind_tools([search_observations, list_conditions])
    else:
        bound = model.bind(json_schema=draft_schema(KEYS))
    reply = bound.invoke(messages)
    assert isinstance(reply, AIMessage) and reply.usage_metadata is not None
    prompt = [int(t) for t in model.llama.input_ids[: reply.usage_metadata["input_tokens"]]]
    return reply, prompt


def reused(reply: AIMessage) -> int:
    """Prompt tokens the request took from earlier evaluations (LangChain's ``cache_read`` usage detail)."""
    assert reply.usage_metadata is not None
    return int(reply.usage_metadata.get("input_token_details", {}).get("cache_read", -1))


def outcome(reply: AIMessage) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    return str(reply.content), [(c["name"], c["args"]) for c in reply.tool_calls]


@pytest.fixture(scope="module")
def smollm2() -> Path:
    return resolve_gguf("smollm2")


def test_replies_match_fresh_evaluation_and_shared_prefixes_are_reused(smollm2: Path) -> None:
    cached = make(smollm2, prompt_cache_mb=64)
    fresh = make(smollm2, reuse_prompts=False)
    requests = [
        tool_turn("What is the latest HbA1c?"),
        draft_turn("What is the latest HbA1c?"),
        tool_turn("Which conditions are active?"),
        draft_turn("Which conditions are active?"),
        tool_turn("What is the latest HbA1c?"),
    ]
    replies, prompts, took = [], [], []
    for kind, messages in requests:
        reply, prompt = run(cached, kind, messages)
        replies.append(reply)
        prompts.append(prompt)
        took.append(reused(reply))
    for (kind, messages), reply in zip(requests, replies, strict=True):
        expected, _ = run(fresh, kind, messages)
        assert reused(expected) == 0
        assert outcome(reply) == outcome(expected), kind
    assert all(r.response_metadata["constrained"] is True for r in replies)
    assert not any(r.invalid_tool_calls for r in replies[::2])  # grammar-constrained tool replies still parse

    def best(i: int, j: int) -> int:
        return reusable_prefix(common_prefix(prompts[i], prompts[j]), len(prompts[j]), UBATCH)

    # the second tool request restores the first one's saved state (system prompt + tool list + evidence),
    # more than the live context (the draft before it, which shares only the system prompt) offers
    assert took[2] == best(0, 2) > best(1, 2)
    assert took[4] == best(0, 4) >= (len(prompts[0]) - 1) // UBATCH * UBATCH  # same prompt: all but the last batch
    assert cached.prompt_cache is not None and 0 < cached.prompt_cache.saved_bytes <= 64 << 20


def test_a_follow_up_turn_does_not_evaluate_the_earlier_turns_again(smollm2: Path) -> None:
    model = make(smollm2, prompt_cache_mb=0)  # the live context alone carries a conversation
    first = [SystemMessage(load_prompt("ask_system")), HumanMessage("Evidence:\n" + EVIDENCE + "\nWhich drugs?")]
    reply, prompt = run(model, "draft", first)
    follow_up = [*first, reply, HumanMessage("And which of them treats the diabetes?")]
    second, second_prompt = run(model, "draft", follow_up)
    assert common_prefix(prompt, second_prompt) >= len(prompt)  # the earlier turn is a prefix of the new prompt
    assert reused(second) == len(prompt) // UBATCH * UBATCH > 0
    assert model.prompt_cache is not None and model.prompt_cache.saved == []
    fresh, _ = run(make(smollm2, reuse_prompts=False), "draft", follow_up)
    assert outcome(second) == outcome(fresh)


def test_a_sliding_window_model_gives_the_same_replies_with_reuse() -> None:
    """Gemma 3 (MedGemma's architecture) keeps most layers' attention in a sliding window. This GGUF carries
    no chat template, so the shipped Gemma 3 template is given."""
    folder, name = resolve_model_source("gemma3-270m")
    gguf = Path(folder) / name
    template = gemma3_chat_template()
    cached = make(gguf, prompt_cache_mb=64, chat_template=template)
    fresh = make(gguf, reuse_prompts=False, chat_template=template)
    requests = [tool_turn("What is the latest HbA1c?"), draft_turn("Which conditions?"), tool_turn("Which drugs?")]
    got = [run(cached, kind, messages)[0] for kind, messages in requests]
    assert reused(got[2]) > 0
    for (kind, messages), reply in zip(requests, got, strict=True):
        assert outcome(reply) == outcome(run(fresh, kind, messages)[0])
