"""π0(a | o, ℓ): score each action's one-step preview against the instruction with a frozen CLIP.

For every candidate action (each discrete action; ``candidates`` uniform samples for a MultiDiscrete
or Box space)
the env previews the observation it would lead to (``env.preview(actions)``, on a copy of the
simulator state), the CLIP prior embeds the previewed frames and the instruction, and

    π0(a | o, ℓ) = softmax_a( cos(E_v(preview(o, a)), E_ℓ(ℓ)) / T ).

All previews of all envs of a step go through the vision tower in one forward pass (frames that
are the same object, e.g. every action that leaves the view unchanged, only once); instruction
embeddings are cached. Preview steps are simulator steps too, but never executed: they are
counted in ``preview_steps``, apart from the env steps the dataset records.

With a sim2act prior (``sim2act pretrain-prior``) the cosine times the prior's logit scale is
about d·log γ + const, d the actions left until the instruction is true (``sim2act.priors.captioning``),
so the default ``T = 1 / logit_scale`` (CLIP's own logits) makes π0(a) ∝ γ^d(a); a smaller T is
greedier. Actions whose previews are the same frame (turning into a wall, picking up nothing,
``done``, ...) are one outcome: they share that outcome's probability instead of each getting it,
so the no-ops of a discrete action set do not crowd out the moves.

Where the domain's state keys are exact (``Domain.exact_state_keys``), ``reuse_previews`` remembers each
episode's scored states: back in a state it has previewed before (a turn undone, a blocked step), the
proposer reuses that state's distribution instead of calling the simulator again, since the same
state gives the same previews. Only previews actually run are counted in ``preview_steps``.

In a Box space, ``horizon`` > 1 previews action chunks: each sampled candidate held for ``horizon`` steps
(``env.preview(actions, repeat=horizon)``), scored by the frame it ends on. Continuous control moves a little
each step, so one step's outcome frames hardly differ; a chunk's do. The proposer then commits to the chunk
it chose: while the executed actions are that candidate it proposes it again for the chunk's remaining steps,
without previews (a mixture's uniform action in between ends the commitment). Previews cost ``candidates``
× ``horizon`` simulator steps per chunk, about ``candidates`` per executed step.
"""

from __future__ import annotations

import inspect
import zlib
from collections.abc import Hashable
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from sim2act import features as F
from sim2act.actions.distributions import ActionDistribution, CandidateActions, Categorical
from sim2act.errors import Sim2ActError
from sim2act.models.clip_embedder import ClipEmbedder
from sim2act.priors.threads import torch_threads
from sim2act.proposers.base import Proposer
from sim2act.validation import check_above_zero


class PriorProposer(Proposer):
    """Proposes the actions whose previewed outcome a frozen CLIP finds closest to the instruction.

    ``prior`` is a ``sim2act pretrain-prior`` folder or any local CLIP folder; ``temperature`` defaults to
    the prior's own (1 / logit scale); ``candidates`` actions are sampled per step in a Box space;
    ``camera`` is the observation key of the frames it scores; ``merge_outcomes`` lets actions with the same previewed observation share one outcome's probability;
    ``threads`` is the torch thread count of its forward passes (None: torch's own; see ``priors.threads``);
    ``reuse_previews`` reuses a state's scores when an episode comes back to it (only for exact state keys,
    read from the env's ``state_key``); ``horizon`` is the steps each Box candidate is held for (an action chunk).
    """

    name = "prior"

    def __init__(
        self,
        action_space: gym.Space,
        prior: str | Path,
        temperature: float | None = None,
        candidates: int = 16,
        merge_outcomes: bool = True,
        threads: int | None = 1,
        camera: str = F.RGB,
        reuse_previews: bool = False,
        horizon: int = 1,
    ) -> None:
        super().__init__(action_space)
        if horizon < 1 or (horizon > 1 and not isinstance(action_space, spaces.Box)):
            raise Sim2ActError(f"--prior-horizon must be >= 1, and > 1 only for a Box action space; got {horizon} for {action_space}")
        if temperature is not None:
            check_above_zero(temperature, "--prior-temperature")
        if isinstance(action_space, spaces.Box) and not action_space.is_bounded():
            raise Sim2ActError(f"the prior proposer samples candidate actions; Box space {action_space} is unbounded")
        if not isinstance(action_space, (spaces.Discrete, spaces.MultiDiscrete, spaces.Box)):
            raise Sim2ActError(f"the prior proposer needs a Discrete, MultiDiscrete or Box action space, not {action_space}")
        self.embedder = ClipEmbedder.load(prior).requires_grad_(False)
        self.temperature = 1.0 / self.embedder.logit_scale if temperature is None else temperature
        """Softmax temperature of the cosine scores (default: the prior's own, 1 / logit scale)."""
        self.candidates = candidates
        self.merge_outcomes = merge_outcomes
        self.threads = threads
        self.camera = camera
        """Observation key of the frames the prior scores (the domain's first camera)."""
        self.preview_steps = 0
        """Simulator steps run to preview actions (never executed in the env)."""
        self.reused_previews = 0
        """Preview steps saved by reusing the scores of a state the episode had previewed before."""
        self.reuse_previews = reuse_previews
        self.horizon = horizon
        """Steps each candidate is held for in its preview and, once chosen, in the env (an action chunk)."""
        self._plans: dict[int, tuple[np.ndarray, int]] = {}
        self._offered: dict[int, np.ndarray] = {}
        self._instructions: dict[str, torch.Tensor] = {}
        self._seen: dict[int, dict[Hashable, tuple[np.ndarray, np.ndarray]]] = {}

    def begin_episode(self, slot: int, env: gym.Env) -> None:
        self._seen[slot] = {}
        self._plans.pop(slot, None)
        self._offered.pop(slot, None)

    def executed(self, slot: int, action) -> None:
        if self.horizon == 1:
            return
        action = np.asarray(action)
        plan = self._plans.pop(slot, None)
        offered = self._offered.pop(slot, None)
        if plan is not None and np.array_equal(plan[0], action):
            if plan[1] > 1:
                self._plans[slot] = (plan[0], plan[1] - 1)
        elif offered is not None and any(np.array_equal(candidate, action) for candidate in offered):
            self._plans[slot] = (action, self.horizon - 1)

    @torch.no_grad()
    def distribution(self, observations, envs, slots) -> ActionDistribution:
        keys = [getattr(env, "state_key", None) if self.reuse_previews else None for env in envs]
        rows = [None if key is None else self._seen.get(slot, {}).get(key) for slot, key in zip(slots, keys)]
        for i, slot in enumerate(slots):
            if slot in self._plans:  # inside a chosen chunk: its action again, no previews
                rows[i] = (np.repeat(self._plans[slot][0][None], self.candidates, 0), np.full(self.candidates, 1 / self.candidates))
        todo = [i for i, row in enumerate(rows) if row is None]
        if todo:
            computed = self._preview_and_score([observations[i] for i in todo], [envs[i] for i in todo])
            for i, row in zip(todo, computed):
                rows[i] = row
                if keys[i] is not None:
                    self._seen.setdefault(slots[i], {})[keys[i]] = row
        fresh = set(todo)
        for i in todo:
            self._offered[slots[i]] = rows[i][0]
        self.reused_previews += sum(len(row[0]) for i, row in enumerate(rows) if i not in fresh and slots[i] not in self._plans)
        probs = np.stack([row[1] for row in rows])
        if isinstance(self.action_space, spaces.Discrete):
            return Categorical(probs)
        return CandidateActions(np.stack([row[0] for row in rows]), probs)

    def _preview_and_score(self, observations, envs) -> list[tuple[np.ndarray, np.ndarray]]:
        """(candidate actions, π0's probabilities) of each row, from fresh previews."""
        actions = [self._candidates(obs) for obs in observations]
        previews = [_previewer(env, self.horizon)(list(a)) for env, a in zip(envs, actions)]
        self.preview_steps += sum(len(a) for a in actions) * self.horizon
        with torch_threads(self.threads):
            scores = self.scores(previews, [obs[F.INSTRUCTION] for obs in observations])
        probs = torch.softmax(scores / self.temperature, dim=-1).double().numpy()
        if self.merge_outcomes:
            probs = _merge_same_outcomes(probs, previews, self.camera)
        return list(zip(actions, probs))

    def scores(self, previews: list[list[dict]], instructions: list[str]) -> torch.Tensor:
        """(B, K) cosine similarity of each previewed observation with its row's instruction."""
        index, frames = {}, []
        for row in previews:
            for obs in row:
                if id(obs) not in index:
                    index[id(obs)] = len(frames)
                    frames.append(obs[self.camera])
        images = self.embedder.images(torch.from_numpy(np.stack(frames)))
        texts = self._embed_instructions(instructions)
        rows = torch.tensor([[index[id(obs)] for obs in row] for row in previews])
        return (images[rows] * texts[:, None, :]).sum(-1)

    def _embed_instructions(self, instructions: list[str]) -> torch.Tensor:
        new = sorted({text for text in instructions if text not in self._instructions})
        if new:
            for text, embedding in zip(new, self.embedder.texts(new)):
                self._instructions[text] = embedding
        return torch.stack([self._instructions[text] for text in instructions])

    def _candidates(self, observation) -> np.ndarray:
        space = self.action_space
        if isinstance(space, spaces.Discrete):
            return np.arange(space.start, space.start + space.n)
        rng = frame_rng(observation, self.camera)
        if isinstance(space, spaces.MultiDiscrete):
            return rng.integers(0, space.nvec, (self.candidates, *space.shape)).astype(space.dtype)
        return rng.uniform(space.low, space.high, (self.candidates, *space.shape)).astype(space.dtype)


def frame_rng(observation, camera: str) -> np.random.Generator:
    """A generator seeded by the observation's frame: what a proposer draws from it stays a function of the
    shard's config (resumable, reproducible)."""
    return np.random.default_rng(zlib.crc32(np.ascontiguousarray(observation[camera]).tobytes()))


def _previewer(env: gym.Env, horizon: int = 1):
    preview = getattr(env.unwrapped, "preview", None)
    if preview is None:
        raise Sim2ActError(
            f"the prior proposer previews actions, but {type(env.unwrapped).__name__} has no preview(actions) method"
        )
    if horizon == 1:
        return preview
    if "repeat" not in inspect.signature(preview).parameters:
        raise Sim2ActError(
            f"--prior-horizon {horizon} previews action chunks, but {type(env.unwrapped).__name__}.preview takes no repeat"
        )
    return lambda actions: preview(actions, repeat=horizon)


def _merge_same_outcomes(probs: np.ndarray, previews: list[list[dict]], camera: str = F.RGB) -> np.ndarray:
    """Softmax over distinct outcomes: actions with the same previewed observation share its probability."""
    merged = np.empty_like(probs)
    for i, row in enumerate(previews):
        groups: dict[bytes, list[int]] = {}
        for j, obs in enumerate(row):
            key = obs[camera].tobytes() + np.asarray(obs.get(F.PROPRIO, ())).tobytes()
            groups.setdefault(key, []).append(j)
        for members in groups.values():
            merged[i, members] = probs[i, members[0]] / len(members)
    return merged / merged.sum(axis=1, keepdims=True)
