"""Evaluation metrics over recorded episodes: success with confidence intervals, reward, diversity."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim2act.data.episode import Episode

ACTION_DECIMALS = 3


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (95% for the default ``z``).

    Unlike the normal approximation it stays inside [0, 1] and is sensible at 0 or ``n`` successes.
    With no trials nothing is known, so the interval is the whole of [0, 1].

    >>> tuple(round(x, 3) for x in wilson_interval(8, 10))
    (0.49, 0.943)
    >>> wilson_interval(300, 300)[1]
    1.0
    """
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie in [0, {n}], got {successes}")
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    center = (p + z2 / (2 * n)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    # At 0 or n successes one bound equals p in exact arithmetic; rounding must not put p outside.
    return (min(p, max(0.0, center - half_width)), max(p, min(1.0, center + half_width)))


T_975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228)
"""Student's t quantile 0.975 for 1..10 degrees of freedom (beyond: 1.96 + a small-sample term)."""


def mean_interval(values: Sequence[float]) -> tuple[float, float] | None:
    """The 95% Student-t interval of the mean of ``values`` (e.g. a figure over seeds); None for fewer than two.

    >>> tuple(round(x, 1) for x in mean_interval([80.0, 90.0, 100.0]))
    (65.2, 114.8)
    """
    n = len(values)
    if n < 2:
        return None
    m = sum(values) / n
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    t = T_975[n - 2] if n - 1 <= len(T_975) else 1.96 + 2.4 / (n - 1)
    return (m - t * sd / math.sqrt(n), m + t * sd / math.sqrt(n))


def error_bar_lengths(rates: Sequence[float], intervals: Sequence[tuple[float, float]]) -> list[list[float]]:
    """Matplotlib's ``yerr`` for ``rates`` with ``(low, high)`` intervals: the distances below and above.

    Never negative: results written before ``wilson_interval`` kept p inside its bounds can hold a
    perfect rate's high bound as 1 - 1e-16.
    """
    return [[max(0.0, rate - low) for rate, (low, _) in zip(rates, intervals)],
            [max(0.0, high - rate) for rate, (_, high) in zip(rates, intervals)]]


def ngram_entropy(sequences: Sequence[Sequence[Hashable]], n: int) -> float:
    """Shannon entropy, in bits, of the empirical distribution of n-grams pooled over ``sequences``.

    N-grams are taken within each sequence, never across two; sequences shorter than ``n``
    contribute nothing, and with no n-grams at all the entropy is 0.

    >>> ngram_entropy([[0, 1, 2, 3]], 1)
    2.0
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    counts: Counter[tuple[Hashable, ...]] = Counter()
    for sequence in sequences:
        items = list(sequence)
        counts.update(tuple(items[i : i + n]) for i in range(len(items) - n + 1))
    total = sum(counts.values())
    if total == 0:
        return 0.0
    entropy = -sum((c / total) * math.log2(c / total) for c in counts.values())
    return max(0.0, entropy)  # a single n-gram gives -0.0


def behavioral_diversity(sequences: Sequence[Sequence[Hashable]], max_n: int = 3) -> dict[str, float]:
    """Behavioural diversity of executed actions: n-gram entropies ``entropy_{n}gram`` for n = 1..max_n.

    Definition: for each n, H_n = -Σ_g p(g) log2 p(g), where g ranges over the n-grams of
    consecutive executed actions and p(g) is g's share of all n-grams, pooled over the episodes
    (n-grams never span two episodes). H_1 measures how evenly the actions are used; higher n also
    reward varied *orderings* of actions. A policy that always repeats one action has H_n = 0; one
    that draws k discrete actions uniformly has H_n = n·log2 k. For continuous (Box) actions the
    caller passes one hashable bin per step, e.g. a tuple of the action's components rounded to
    ``ACTION_DECIMALS`` decimals, as ``outcome_from_episode`` does.
    """
    return {f"entropy_{n}gram": ngram_entropy(sequences, n) for n in range(1, max_n + 1)}


@dataclass
class EpisodeOutcome:
    """What evaluation keeps of one episode."""

    level: str
    instruction: str
    instruction_type: str
    success: bool
    steps: int
    """The episode's length in steps."""
    steps_to_success: int | None
    """1-based index of the first step on which the task was achieved; None if it never was."""
    cumulative_reward: float
    actions: tuple[Hashable, ...]
    """One hashable value per step: an int for discrete actions, a rounded tuple for Box actions."""


def outcome_from_episode(episode: Episode, instruction_type: Callable[[str], str]) -> EpisodeOutcome:
    """Summarize ``episode``; ``instruction_type`` classifies its instruction (e.g. by grammar)."""
    hits = np.flatnonzero(episode.success)
    return EpisodeOutcome(
        level=episode.task.level,
        instruction=episode.task.instruction,
        instruction_type=instruction_type(episode.task.instruction),
        success=bool(len(hits)),
        steps=len(episode),
        steps_to_success=int(hits[0]) + 1 if len(hits) else None,
        cumulative_reward=float(np.sum(episode.rewards, dtype=np.float64)),
        actions=hashable_actions(episode.actions),
    )


def hashable_actions(actions: np.ndarray) -> tuple[Hashable, ...]:
    """Per-step hashable actions: ints for integer actions, tuples of rounded floats for Box rows.

    >>> hashable_actions(np.array([[0.12345, 1.0], [0.5, -0.25]]))
    ((0.123, 1.0), (0.5, -0.25))
    """
    actions = np.asarray(actions)
    if actions.ndim == 1 and np.issubdtype(actions.dtype, np.integer):
        return tuple(int(a) for a in actions)
    if actions.ndim == 1:
        return tuple(round(float(a), ACTION_DECIMALS) for a in actions)
    rows = actions.reshape(len(actions), -1)
    return tuple(tuple(round(float(x), ACTION_DECIMALS) for x in row) for row in rows)


@dataclass
class GroupSummary:
    """Aggregate metrics of a group of episodes (all of them, one level, one instruction type...)."""

    episodes: int
    successes: int
    success_rate: float
    ci_low: float
    ci_high: float
    """Bounds of the 95% Wilson interval of the success rate."""
    mean_reward: float
    mean_steps_to_success: float | None
    """Mean of ``steps_to_success`` over successful episodes; None if none succeeded."""
    diversity: dict[str, float] = field(default_factory=dict)
    """See ``behavioral_diversity``."""


def summarize(outcomes: Sequence[EpisodeOutcome]) -> GroupSummary:
    """Aggregate ``outcomes``; an empty group has rate and mean reward 0 and the interval [0, 1]."""
    n = len(outcomes)
    successes = sum(o.success for o in outcomes)
    ci_low, ci_high = wilson_interval(successes, n)
    to_success = [o.steps_to_success for o in outcomes if o.steps_to_success is not None]
    return GroupSummary(
        episodes=n,
        successes=successes,
        success_rate=successes / n if n else 0.0,
        ci_low=ci_low,
        ci_high=ci_high,
        mean_reward=float(np.mean([o.cumulative_reward for o in outcomes])) if n else 0.0,
        mean_steps_to_success=float(np.mean(to_success)) if to_success else None,
        diversity=behavioral_diversity([o.actions for o in outcomes]),
    )


def breakdown(
    outcomes: Sequence[EpisodeOutcome], key: Callable[[EpisodeOutcome], str]
) -> dict[str, GroupSummary]:
    """``summarize`` each group of outcomes sharing ``key(outcome)``, in sorted key order."""
    groups: dict[str, list[EpisodeOutcome]] = {}
    for outcome in outcomes:
        groups.setdefault(key(outcome), []).append(outcome)
    return {name: summarize(groups[name]) for name in sorted(groups)}
