"""Evaluation metrics: Wilson intervals, n-gram entropies, episode outcomes and group summaries."""

import math

import numpy as np
import pytest

from sim2act.data.episode import Episode
from sim2act.evaluation.metrics import (
    EpisodeOutcome,
    behavioral_diversity,
    breakdown,
    ngram_entropy,
    outcome_from_episode,
    summarize,
    wilson_interval,
)
from sim2act.tasks import Task


def score_statistic(p_hat, p0, n):
    """The z of the score test of p = p0; the Wilson interval is where |z| <= 1.96."""
    return (p_hat - p0) / math.sqrt(p0 * (1 - p0) / n)


def test_wilson_interval_known_values():
    assert wilson_interval(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize("successes, n", [(1, 7), (8, 10), (50, 100), (187, 200), (3, 1000)])
def test_wilson_bounds_invert_the_score_test(successes, n):
    low, high = wilson_interval(successes, n)
    p_hat = successes / n
    assert low <= p_hat <= high
    assert score_statistic(p_hat, low, n) == pytest.approx(1.96)
    assert score_statistic(p_hat, high, n) == pytest.approx(-1.96)


def test_wilson_interval_covers_true_p_about_95_percent():
    rng = np.random.default_rng(0)
    p, n = 0.3, 60
    draws = rng.binomial(n, p, size=4000)
    covered = np.mean([lo <= p <= hi for lo, hi in (wilson_interval(int(k), n) for k in draws)])
    assert 0.93 < covered < 0.97


def test_wilson_rejects_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_entropy_of_uniform_and_constant_sequences():
    assert ngram_entropy([[0, 1, 2, 3] * 5], 1) == pytest.approx(2.0)
    assert ngram_entropy([[4] * 30], 1) == 0.0
    assert ngram_entropy([[4] * 30], 3) == 0.0
    assert ngram_entropy([], 1) == 0.0


def test_ngrams_do_not_span_episodes():
    # Within episodes the only 2-grams are (0, 1) and (2, 3): 1 bit. Across the boundary (1, 2) would appear.
    assert ngram_entropy([[0, 1], [2, 3]], 2) == pytest.approx(1.0)
    assert ngram_entropy([[0, 1, 2, 3]], 2) == pytest.approx(math.log2(3))


def test_short_episodes_contribute_no_ngrams():
    assert ngram_entropy([[0], [1], [2]], 2) == 0.0
    assert ngram_entropy([[0], [1, 1], [2, 2]], 2) == pytest.approx(1.0)


def test_behavioral_diversity_keys_and_values():
    sequences = [[0, 1] * 50]
    diversity = behavioral_diversity(sequences)
    assert set(diversity) == {"entropy_1gram", "entropy_2gram", "entropy_3gram"}
    assert diversity["entropy_1gram"] == pytest.approx(1.0)
    assert diversity["entropy_2gram"] == pytest.approx(-(50 / 99) * math.log2(50 / 99) - (49 / 99) * math.log2(49 / 99))


def make_episode(actions, success, rewards, instruction="go to the red ball", level="GoToLocal"):
    steps = len(actions)
    return Episode(
        episode_id=0,
        task=Task("grid", level, "val", 500_000_001, instruction),
        observations={"rgb": np.zeros((steps, 4, 4, 3), np.uint8)},
        actions=np.asarray(actions),
        rewards=np.asarray(rewards, np.float32),
        terminated=np.zeros(steps, bool),
        truncated=np.zeros(steps, bool),
        success=np.asarray(success, bool),
    )


def test_outcome_from_discrete_episode():
    episode = make_episode([2, 2, 0, 1], [False, False, True, True], [0, 0, 0.5, 0.25])
    outcome = outcome_from_episode(episode, lambda text: text.split()[0])
    assert outcome == EpisodeOutcome(
        level="GoToLocal",
        instruction="go to the red ball",
        instruction_type="go",
        success=True,
        steps=4,
        steps_to_success=3,
        cumulative_reward=0.75,
        actions=(2, 2, 0, 1),
    )
    assert all(type(a) is int for a in outcome.actions)


def test_outcome_from_box_episode_rounds_rows():
    actions = np.array([[0.12341, -1.0], [0.12349, 0.5004]], np.float64)
    outcome = outcome_from_episode(make_episode(actions, [False, False], [0.0, 0.0]), str)
    assert outcome.actions == ((0.123, -1.0), (0.123, 0.5))
    assert not outcome.success and outcome.steps_to_success is None
    hash(outcome.actions)


def outcome(level, success, steps_to_success=None, reward=0.0, actions=(0,), kind="go to"):
    return EpisodeOutcome(level, "x", kind, success, len(actions), steps_to_success, reward, tuple(actions))


def test_summarize():
    outcomes = [
        outcome("A", True, 2, 1.0, (0, 1, 2, 3)),
        outcome("A", True, 4, 0.5, (0, 1, 2, 3)),
        outcome("B", False, None, 0.0, (0, 1, 2, 3)),
        outcome("B", False, None, 0.5, (0, 1, 2, 3)),
    ]
    s = summarize(outcomes)
    assert (s.episodes, s.successes, s.success_rate) == (4, 2, 0.5)
    assert (s.ci_low, s.ci_high) == wilson_interval(2, 4)
    assert s.ci_low < s.success_rate < s.ci_high
    assert s.mean_reward == pytest.approx(0.5)
    assert s.mean_steps_to_success == pytest.approx(3.0)
    assert s.diversity["entropy_1gram"] == pytest.approx(2.0)
    assert s.diversity["entropy_2gram"] == pytest.approx(math.log2(3))


def test_summarize_without_success_or_episodes():
    assert summarize([outcome("A", False)]).mean_steps_to_success is None
    empty = summarize([])
    assert (empty.episodes, empty.success_rate, empty.ci_low, empty.ci_high) == (0, 0.0, 0.0, 1.0)


def test_breakdown_groups_and_sorts_by_key():
    outcomes = [outcome("PutNextLocal", False), outcome("GoTo", True, 1), outcome("GoTo", False)]
    groups = breakdown(outcomes, key=lambda o: o.level)
    assert list(groups) == ["GoTo", "PutNextLocal"]
    assert (groups["GoTo"].episodes, groups["GoTo"].successes) == (2, 1)
    assert (groups["PutNextLocal"].episodes, groups["PutNextLocal"].successes) == (1, 0)
