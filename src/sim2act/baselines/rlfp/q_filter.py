"""RLFP's act-time choice as one distribution: the actor and π0 each sample, the action the critic values more runs.

For a₁ ~ π_θ and a₂ ~ π0 drawn independently, the executed action is a₂ when Q(a₂) > Q(a₁), else a₁, so

    P(a) = π_θ(a) · Σ_{b: Q(b) ≤ Q(a)} π0(b) + π0(a) · Σ_{b: Q(b) < Q(a)} π_θ(b),

computed exactly for every action by sorting on Q (O(n log n) per row, so ``pick_place``'s 4,096 joint
actions cost no more than a few sorts).
"""

from __future__ import annotations

import numpy as np


def q_filtered(actor: np.ndarray, prior: np.ndarray, q: np.ndarray) -> np.ndarray:
    """(B, n) probabilities of the executed action, from the actor's and π0's (B, n) probabilities and (B, n) Q.

    >>> q_filtered(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]]))  # π0's action wins
    array([[0., 1.]])
    >>> q_filtered(np.array([[0.5, 0.5]]), np.array([[0.5, 0.5]]), np.array([[2.0, 1.0]]))  # the better one, 3 times in 4
    array([[0.75, 0.25]])
    """
    order = np.argsort(q, axis=1, kind="stable")
    q_sorted = np.take_along_axis(q, order, 1)
    actor_sorted, prior_sorted = np.take_along_axis(actor, order, 1), np.take_along_axis(prior, order, 1)
    result = np.empty_like(actor, dtype=np.float64)
    for row in range(len(q)):
        values = q_sorted[row]
        at_most = np.searchsorted(values, values, side="right")  # actions with Q ≤ each action's Q
        below = np.searchsorted(values, values, side="left")  # actions with Q < each action's Q
        prior_cdf = np.r_[0.0, np.cumsum(prior_sorted[row])]
        actor_cdf = np.r_[0.0, np.cumsum(actor_sorted[row])]
        chosen = actor_sorted[row] * prior_cdf[at_most] + prior_sorted[row] * actor_cdf[below]
        result[row, order[row]] = chosen
    return result
