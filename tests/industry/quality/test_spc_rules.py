"""Western Electric and Nelson run rules: each fires exactly where a constructed run completes, not on a near miss."""

from __future__ import annotations

import numpy as np
import pytest

from bessemer.industry.quality._spc_rules import (
    NELSON_RULES,
    WESTERN_ELECTRIC_RULES,
    apply_rules,
    beyond_limits,
    nelson,
    western_electric,
)

NAN = float("nan")


def fired(z, rule: str) -> list[int]:
    """Indices where one rule fires on z."""
    return [v.index for v in apply_rules(np.asarray(z, dtype=float), [rule])]


def alternating(n: int, a: float = 0.5) -> list[float]:
    return [a * (-1) ** i for i in range(n)]


# (rule, sequence that fires, where it fires, sequence built to just miss it)
CASES = [
    ("nelson-1", [0, 3.1, 0, -3.1, 3.0, -3.0], [1, 3], [0, 2.99, -2.99, 3.0, -3.0]),
    ("we-1", [0, 3.1, 0, -3.1], [1, 3], [2.99, -2.99, 3.0]),
    # nine on one side; the near miss has eight, then a point exactly on the center line, then eight
    ("nelson-2", [-0.5] + [0.5] * 9 + [-0.5], [9], [-0.5] + [0.5] * 8 + [0.0] + [0.5] * 8),
    ("nelson-2", [0.5] + [-0.2] * 9, [9], [0.5] + [-0.2] * 8 + [0.5]),
    ("we-4", [-0.5] + [0.5] * 8, [8], [-0.5] + [0.5] * 7 + [-0.5] + [0.5] * 7),
    # six steadily increasing (five rises); the near miss has a tie
    ("nelson-3", [0.0, 0.1, 0.2, 0.3, 0.4, 0.5], [5], [0.0, 0.1, 0.2, 0.3, 0.4, 0.4, 0.5, 0.6, 0.7, 0.8]),
    ("nelson-3", [0.9, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0, 0.3], [5, 6], [0.5, 0.4, 0.3, 0.2, 0.1, 0.2]),
    # fourteen alternating; the near miss is thirteen, then the same direction twice
    ("nelson-4", alternating(14), [13], alternating(13) + [alternating(13)[-1] * 3] + alternating(12)),
    # two of three beyond 2 sigma on one side; near misses: spread over four points, opposite sides, 2.0 exactly
    ("nelson-5", [0, 2.1, 0, 2.1, 0], [3], [2.1, 0, 0, 2.1, -2.1, 0, 2.1, 2.0]),
    ("nelson-5", [0, -2.5, -2.2], [2], [0, -2.5, 1.9, 0, -2.2]),
    ("we-2", [0, 2.1, 0, 2.1, 0], [3], [2.1, 0, 0, 2.1, -2.1, 0, 2.1, 2.0]),
    # four of five beyond 1 sigma on one side; the near miss has three of every five
    ("nelson-6", [0, 1.1, 1.1, 0, 1.1, 1.1, 0], [5], [1.1, 1.1, 0, 0, 1.1, 1.1, 0, 0, 1.1, -1.1]),
    ("we-3", [0, -1.1, -1.1, 0, -1.1, -1.1], [5], [-1.1, -1.1, 0, 0, -1.1, -1.1, 0, 0, 1.1, 1.1]),
    # fifteen within 1 sigma; the near miss has fourteen, then exactly 1 sigma, then fourteen
    ("nelson-7", [1.5] + alternating(15), [15], [1.5] + alternating(14) + [1.0] + alternating(14)),
    # eight beyond 1 sigma on both sides; the near misses: seven, and eight all on one side
    ("nelson-8", [0.0] + alternating(8, 1.5), [8], [0.0] + alternating(7, 1.5) + [0.5] + [1.5] * 8),
]


@pytest.mark.parametrize(("rule", "hit", "where", "miss"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_exactly_where_the_run_completes(rule, hit, where, miss):
    assert fired(hit, rule) == where
    assert fired(miss, rule) == []


def test_every_rule_has_a_case():
    assert {c[0] for c in CASES} == set(NELSON_RULES) | set(WESTERN_ELECTRIC_RULES)


def test_a_longer_run_fires_at_every_point_after_it_completes():
    assert fired([0.5] * 11, "nelson-2") == [8, 9, 10]
    assert fired([0.1 * i for i in range(8)], "nelson-3") == [5, 6, 7]


def test_k_of_w_counts_a_short_window_at_the_start():
    assert fired([2.5, 2.2], "nelson-5") == [1]
    assert fired([1.5, 1.2, 1.1, 1.3], "nelson-6") == [3]


def test_missing_points_are_skipped_and_indices_kept():
    z = [0.5] * 4 + [NAN] + [0.5] * 5 + [NAN, 3.5]
    assert fired(z, "nelson-2") == [9, 11]
    assert fired(z, "nelson-1") == [11]
    assert apply_rules([NAN, NAN], list(NELSON_RULES)) == []


def test_nelson_and_western_electric_sets_and_texts():
    z = np.array([0.0] + [0.5] * 8 + [3.5])
    v = nelson(z)
    assert {x.rule for x in v} <= set(NELSON_RULES)
    assert [(x.index, x.rule) for x in v] == [(9, "nelson-1"), (9, "nelson-2")]
    assert v[0].description_en == "1 point more than 3σ above the center line"
    assert v[1].description_ko == "연속 9점이 중심선 위쪽에 있음"
    w = western_electric(z)
    assert [(x.index, x.rule) for x in w] == [(8, "we-4"), (9, "we-1"), (9, "we-4")]
    assert all(x.description_en and x.description_ko for x in v + w)
    assert western_electric(-z)[1].description_en == "1 point more than 3σ below the center line"
    assert v[0].to_dict() == {"index": 9, "rule": "nelson-1", "description_en": v[0].description_en,
                              "description_ko": v[0].description_ko}


def test_in_control_noise_rarely_breaks_rule_one():
    z = np.random.default_rng(3).normal(size=20_000)
    rate = len(fired(z, "nelson-1")) / z.size
    assert 0.0015 < rate < 0.0040  # 0.0027 in theory


def test_beyond_limits_with_arrays_and_missing():
    v = beyond_limits([0.0, 2.0, NAN, -2.0], np.full(4, -1.0), np.array([1.0, 3.0, 1.0, 1.0]), "r-limit", "range",
                      "범위")
    assert [(x.index, x.rule) for x in v] == [(3, "r-limit")]
    assert v[0].description_ko == "범위가 관리하한 아래"


def test_bad_rule_names_and_shapes():
    with pytest.raises(ValueError, match="unknown rule"):
        apply_rules([0.0], ["nelson-9"])
    with pytest.raises(ValueError, match="1-D"):
        apply_rules(np.zeros((2, 2)), ["nelson-1"])
