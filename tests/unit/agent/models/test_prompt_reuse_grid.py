"""Which part of an evaluated prompt a new prompt may reuse: whole micro-batches, never its last one."""

from __future__ import annotations

import pytest

from medcite.agent.models.llama_prompt_cache import common_prefix, reusable_prefix


def test_common_prefix_counts_leading_equal_tokens() -> None:
    assert common_prefix([1, 2, 3, 4], [1, 2, 9]) == 2
    assert common_prefix([1, 2], [1, 2, 3]) == 2
    assert common_prefix([], [1]) == 0
    assert common_prefix((5,), [6]) == 0


@pytest.mark.parametrize(
    ("shared", "prompt_len", "ubatch", "expected"),
    [
        (700, 2000, 512, 512),  # cut down to whole micro-batches
        (1024, 2000, 512, 1024),  # exactly two
        (2000, 2000, 512, 1536),  # the same prompt again: its last micro-batch is evaluated anew
        (2048, 2048, 512, 1536),  # ... also when the prompt ends on a micro-batch boundary
        (100, 2000, 512, 0),  # less than one micro-batch shared
        (100, 2000, 32, 96),
        (5, 0, 32, 0),
    ],
)
def test_reuse_is_whole_micro_batches_short_of_the_last(
    shared: int, prompt_len: int, ubatch: int, expected: int
) -> None:
    assert reusable_prefix(shared, prompt_len, ubatch) == expected
