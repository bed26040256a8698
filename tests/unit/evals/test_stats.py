import math

import pytest

from medcite.evals.stats import Proportion, wilson_interval


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # worked by hand from the Wilson score formula with z = 1.959964
        (0, 10, 0.0, 0.27753),
        (5, 10, 0.23659, 0.76341),
        (10, 10, 0.72247, 1.0),
        (1, 40, 0.00443, 0.12883),
        (81, 100, 0.72221, 0.87485),
    ],
)
def test_wilson_interval_matches_reference_values(k: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson_interval(k, n)
    assert math.isclose(lo, low, abs_tol=5e-5)
    assert math.isclose(hi, high, abs_tol=5e-5)


def test_wilson_interval_contains_the_estimate_and_narrows_with_n() -> None:
    small = wilson_interval(3, 10)
    large = wilson_interval(300, 1000)
    assert small[0] < 0.3 < small[1]
    assert large[0] < 0.3 < large[1]
    assert (large[1] - large[0]) < (small[1] - small[0])


def test_wilson_interval_empty_and_invalid() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(5, 4)
    with pytest.raises(ValueError):
        wilson_interval(-1, 4)


def test_proportion_percent_text() -> None:
    p = Proportion.of(5, 10)
    assert p.value == 0.5
    assert p.percent() == "50.0 (23.7–76.3)"
    assert Proportion.of(0, 0).percent() == "–"
