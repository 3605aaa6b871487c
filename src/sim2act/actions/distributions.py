"""Batched action distributions returned by proposers: they sample and score actions."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class ActionDistribution(ABC):
    """A distribution over actions for each of a batch of envs."""

    @abstractmethod
    def sample(self, rng: np.random.Generator) -> np.ndarray:
        """One action per batch row: int64 ``(B,)`` for Discrete, int64 ``(B, D)`` for MultiDiscrete,
        float32 ``(B, *shape)`` for Box spaces."""

    @abstractmethod
    def log_prob(self, actions: np.ndarray) -> np.ndarray:
        """Log-probability (density for Box spaces) of each row's action, shape ``(B,)``."""


class Categorical(ActionDistribution):
    """Independent categorical distributions over ``n`` discrete actions, ``probs`` of shape ``(B, n)``."""

    def __init__(self, probs: np.ndarray) -> None:
        self.probs = np.asarray(probs, dtype=np.float64)

    @classmethod
    def uniform(cls, batch: int, n: int) -> Categorical:
        return cls(np.full((batch, n), 1.0 / n))

    @classmethod
    def one_hot(cls, actions: np.ndarray, n: int) -> Categorical:
        probs = np.zeros((len(actions), n))
        probs[np.arange(len(actions)), actions] = 1.0
        return cls(probs)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        cdf = np.cumsum(self.probs, axis=1)
        u = rng.random((len(cdf), 1)) * cdf[:, -1:]
        return np.minimum((u >= cdf).sum(axis=1), self.probs.shape[1] - 1).astype(np.int64)

    def log_prob(self, actions: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.probs[np.arange(len(actions)), actions])


class MultiCategorical(ActionDistribution):
    """Independent categoricals per dimension of a ``MultiDiscrete`` action, ``probs`` ``(B, D, max n)``.

    Dimension ``d`` has ``nvec[d]`` classes; its probabilities past ``nvec[d]`` are zero.
    """

    def __init__(self, probs: np.ndarray) -> None:
        self.probs = np.asarray(probs, dtype=np.float64)

    @classmethod
    def uniform(cls, batch: int, nvec: list[int]) -> MultiCategorical:
        probs = np.zeros((batch, len(nvec), max(nvec)))
        for d, n in enumerate(nvec):
            probs[:, d, :n] = 1.0 / n
        return cls(probs)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        b, d, n = self.probs.shape
        return Categorical(self.probs.reshape(b * d, n)).sample(rng).reshape(b, d)

    def log_prob(self, actions: np.ndarray) -> np.ndarray:
        actions = np.asarray(actions, np.int64).reshape(len(self.probs), -1)
        chosen = np.take_along_axis(self.probs, actions[..., None], -1)[..., 0]
        with np.errstate(divide="ignore"):
            return np.log(chosen).sum(1)


class JointCategorical(ActionDistribution):
    """A categorical over the pairs of a ``MultiDiscrete([N, M])`` action, ``probs`` ``(B, N, M)``.

    Unlike ``MultiCategorical`` the two dimensions need not be independent: a pick-then-place policy gives
    p(pick) · p(place | pick). A sample is a flat index ``i · M + j`` of a row read back as (i, j).
    """

    def __init__(self, probs: np.ndarray) -> None:
        self.probs = np.asarray(probs, dtype=np.float64)

    @classmethod
    def independent(cls, probs: np.ndarray, shape: tuple[int, int]) -> JointCategorical:
        """The joint of two independent dimensions, ``probs`` ``(B, 2, max n)`` as a ``MultiCategorical``'s: the outer
        product, cut to ``shape`` (N, M)."""
        probs = np.asarray(probs, dtype=np.float64)
        return cls(probs[:, 0, : shape[0], None] * probs[:, 1, None, : shape[1]])

    def greedy(self) -> JointCategorical:
        """The most likely pair of each row (ties share the row evenly)."""
        flat = self.probs.reshape(len(self.probs), -1)
        most_likely = flat == flat.max(-1, keepdims=True)
        return JointCategorical((most_likely / most_likely.sum(-1, keepdims=True)).reshape(self.probs.shape))

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        b, _, m = self.probs.shape
        flat = Categorical(self.probs.reshape(b, -1)).sample(rng)
        return np.stack([flat // m, flat % m], 1).astype(np.int64)

    def log_prob(self, actions: np.ndarray) -> np.ndarray:
        actions = np.asarray(actions, np.int64).reshape(len(self.probs), 2)
        with np.errstate(divide="ignore"):
            return np.log(self.probs[np.arange(len(actions)), actions[:, 0], actions[:, 1]])


class ScriptedActions(ActionDistribution):
    """A given action per row (a point mass), or the ``fallback`` distribution's row where none is given.

    ``actions`` is ``(B, *shape)``; ``given`` ``(B,)`` says which rows hold an action. For scripted experts of
    MultiDiscrete and Box spaces (a Discrete expert's point mass is a one-hot ``Categorical``).
    """

    def __init__(self, actions: np.ndarray, given: np.ndarray, fallback: ActionDistribution) -> None:
        self.actions, self.given, self.fallback = np.asarray(actions), np.asarray(given, bool), fallback

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        drawn = self.fallback.sample(rng)
        mask = self.given.reshape(-1, *([1] * (drawn.ndim - 1)))
        return np.where(mask, self.actions.astype(drawn.dtype), drawn)

    def log_prob(self, actions: np.ndarray) -> np.ndarray:
        actions = np.asarray(actions)
        same = np.all((actions == self.actions).reshape(len(actions), -1), axis=1)
        return np.where(self.given, np.where(same, 0.0, -np.inf), self.fallback.log_prob(actions))


class UniformBox(ActionDistribution):
    """Uniform over a Box action space's bounds, for each of ``batch`` rows."""

    def __init__(self, low: np.ndarray, high: np.ndarray, batch: int) -> None:
        self.low = np.asarray(low, np.float32)
        self.high = np.asarray(high, np.float32)
        self.batch = batch

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.low, self.high, (self.batch, *self.low.shape)).astype(np.float32)

    def log_prob(self, actions: np.ndarray) -> np.ndarray:
        inside = np.all((actions >= self.low) & (actions <= self.high), axis=tuple(range(1, actions.ndim)))
        log_density = -np.log(self.high - self.low).sum()
        return np.where(inside, log_density, -np.inf)


class BinnedBox(ActionDistribution):
    """A Box action per row whose dimensions are independent categoricals over equal bins.

    ``probs`` is ``(B, D, bins)`` over the Box's D flattened dimensions; a sample is the centre of each
    drawn bin, in the Box's own shape, and the density is piecewise constant (the bin's probability
    over its width).
    """

    def __init__(self, probs: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
        self.probs = np.asarray(probs, dtype=np.float64)
        self.shape = np.shape(low)
        self.low = np.asarray(low, np.float64).reshape(-1)
        self.high = np.asarray(high, np.float64).reshape(-1)
        self.bins = self.probs.shape[-1]

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        b, d, n = self.probs.shape
        flat = Categorical(self.probs.reshape(b * d, n)).sample(rng).reshape(b, d)
        centres = self.low + (flat + 0.5) / n * (self.high - self.low)
        return centres.astype(np.float32).reshape(b, *self.shape)

    def log_prob(self, actions: np.ndarray) -> np.ndarray:
        actions = np.asarray(actions, np.float64).reshape(len(self.probs), -1)
        unit = (actions - self.low) / (self.high - self.low)
        bins = np.clip((unit * self.bins).astype(np.int64), 0, self.bins - 1)
        chosen = np.take_along_axis(self.probs, bins[..., None], -1)[..., 0]
        inside = np.all((unit >= 0) & (unit <= 1), axis=1)
        with np.errstate(divide="ignore"):
            density = np.log(chosen) - np.log((self.high - self.low) / self.bins)
        return np.where(inside, density.sum(1), -np.inf)


class ChunkedBinnedBox(ActionDistribution):
    """Rows that either start a new action chunk or follow one already under way.

    ``probs`` ``(B, H·D, bins)`` is a ``BinnedBox`` over each row's next H actions; a fresh row samples its
    whole chunk (kept in ``chunks``, for the proposer to follow) and returns the chunk's first action, so
    its density is that first action's marginal. ``planned`` maps a row to the action its chunk under way
    holds next: it is returned as is (a point mass).
    """

    def __init__(self, probs: np.ndarray, low: np.ndarray, high: np.ndarray, chunk: int,
                 planned: dict[int, np.ndarray] | None = None) -> None:
        self.shape = np.shape(low)
        self.chunk = chunk
        self.binned = BinnedBox(probs, np.tile(np.reshape(low, -1), chunk), np.tile(np.reshape(high, -1), chunk))
        self.first = BinnedBox(np.asarray(probs)[:, : np.size(low)], low, high)
        self.planned = planned or {}
        self.chunks: np.ndarray | None = None
        """(B, H, *shape) after ``sample``: each row's drawn chunk (planned rows: their planned action, H times)."""

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        drawn = self.binned.sample(rng).reshape(len(self.binned.probs), self.chunk, *self.shape)
        for row, action in self.planned.items():
            drawn[row] = action
        self.chunks = drawn
        return drawn[:, 0].copy()

    def log_prob(self, actions: np.ndarray) -> np.ndarray:
        log_p = self.first.log_prob(actions)
        flat = np.asarray(actions).reshape(len(log_p), -1)
        for row, action in self.planned.items():
            log_p[row] = 0.0 if np.array_equal(flat[row], np.reshape(action, -1)) else -np.inf
        return log_p


class Mixture(ActionDistribution):
    """``alpha * first + (1 - alpha) * second``; each row samples ``first`` with probability ``alpha``."""

    def __init__(self, first: ActionDistribution, second: ActionDistribution, alpha: float) -> None:
        self.first, self.second, self.alpha = first, second, alpha

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        a, b = self.first.sample(rng), self.second.sample(rng)
        take_first = rng.random(len(a)) < self.alpha
        return np.where(take_first.reshape(-1, *([1] * (a.ndim - 1))), a, b)

    def log_prob(self, actions: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # alpha of exactly 0 or 1 gives a -inf term, as it should
            return np.logaddexp(
                np.log(self.alpha) + self.first.log_prob(actions), np.log1p(-self.alpha) + self.second.log_prob(actions)
            )


def mix(first: ActionDistribution, second: ActionDistribution, alpha: float) -> ActionDistribution:
    """The mixture, collapsed to one categorical when both parts are categoricals of the same kind, or a
    ``JointCategorical`` and a two-dimensional ``MultiCategorical`` (exactly: its joint is the outer product)."""
    for kind in (Categorical, MultiCategorical, JointCategorical):
        if isinstance(first, kind) and isinstance(second, kind) and first.probs.shape == second.probs.shape:
            return kind(alpha * first.probs + (1.0 - alpha) * second.probs)
    joint = next((d for d in (first, second) if isinstance(d, JointCategorical)), None)
    if joint is not None:
        parts = [_as_joint(d, joint.probs.shape) for d in (first, second)]
        if parts[0] is not None and parts[1] is not None:
            return JointCategorical(alpha * parts[0].probs + (1.0 - alpha) * parts[1].probs)
    return Mixture(first, second, alpha)


def _as_joint(dist: ActionDistribution, shape: tuple[int, ...]) -> JointCategorical | None:
    """``dist`` as a ``JointCategorical`` with ``probs`` of ``shape``, or None where it is no pair categorical."""
    if isinstance(dist, JointCategorical):
        return dist if dist.probs.shape == shape else None
    if isinstance(dist, MultiCategorical):
        b, d, width = dist.probs.shape
        if (b, d) == (shape[0], 2) and width >= max(shape[1:]):
            # MultiCategorical pads each dimension past its classes with zeros, so the cut loses no mass.
            joint = JointCategorical.independent(dist.probs, shape[1:])
            return joint if np.allclose(joint.probs.sum((1, 2)), 1.0) else None
    return None


class CandidateActions(ActionDistribution):
    """A categorical over ``K`` candidate actions per row: ``actions`` (B, K, *shape), ``probs`` (B, K).

    For Box and MultiDiscrete spaces scored by sampling candidates (the preview proposer). ``log_prob`` is the log of the
    probability *mass* of the candidates equal to the action (-inf for any other action), not a density.
    """

    def __init__(self, actions: np.ndarray, probs: np.ndarray) -> None:
        self.actions = np.asarray(actions)
        self.probs = np.asarray(probs, np.float64)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        chosen = Categorical(self.probs).sample(rng)
        return self.actions[np.arange(len(chosen)), chosen]

    def log_prob(self, actions: np.ndarray) -> np.ndarray:
        actions = np.asarray(actions, self.actions.dtype).reshape(len(self.actions), 1, -1)
        same = np.all(self.actions.reshape(len(self.actions), self.actions.shape[1], -1) == actions, axis=-1)
        with np.errstate(divide="ignore"):
            return np.log((self.probs * same).sum(axis=1))
