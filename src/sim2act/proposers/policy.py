"""A trained sim2act policy as a proposer: for evaluation (greedy) and the bootstrapping rounds.

Each env slot keeps the window of its last ``memory`` observations; a new episode starts with the
first observation repeated, as in training. A policy with action chunks (``action_chunk`` H > 1)
draws H actions when it looks and executes them one per step; an action other than the chunk's next
(a mixture's uniform draw) ends the chunk, and the policy looks again at the next step.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import torch
from gymnasium import spaces

from sim2act import features as F
from sim2act.actions.distributions import (
    ActionDistribution,
    BinnedBox,
    Categorical,
    ChunkedBinnedBox,
    JointCategorical,
    MultiCategorical,
)
from sim2act.models import VisionLanguagePolicy
from sim2act.observations import compose_image
from sim2act.proposers.base import Proposer
from sim2act.validation import check_above_zero


def action_space_of(policy: VisionLanguagePolicy) -> spaces.Space:
    """The Gymnasium action space a policy acts in."""
    spec = policy.spec
    if spec.discrete:
        return spaces.Discrete(spec.action_dim)
    if spec.action_type == "multi_discrete":
        return spaces.MultiDiscrete(spec.action_nvec)
    low = np.asarray(spec.action_space["low"], np.float32)
    return spaces.Box(low, np.asarray(spec.action_space["high"], np.float32), dtype=np.float32)


def sharpen(probs: np.ndarray, temperature: float) -> np.ndarray:
    """``probs`` (categoricals along the last axis) raised to ``1 / temperature`` and renormalised: the softmax of
    the policy's logits divided by ``temperature``. Below 1 sharper, 1 unchanged."""
    if temperature == 1.0:
        return probs
    with np.errstate(divide="ignore"):
        logits = np.log(probs) / temperature
    logits -= logits.max(-1, keepdims=True)
    sharp = np.exp(logits)
    return sharp / sharp.sum(-1, keepdims=True)


class PolicyProposer(Proposer):
    """Acts with π_θ; ``greedy`` picks the most likely action (per dimension for Box and independent MultiDiscrete
    heads, the most likely pair for the ``pick_place`` head); otherwise it samples at ``temperature`` (``sharpen``).

    A temperature below 1 samples the policy's likelier actions more often. Behaviour cloning fits the spread of its
    data's actions: where exploring episodes went left or right around the same view, the policy samples both, and
    a sharper draw hesitates less without repeating itself where the view does not change, as greedy acting does.
    """

    def __init__(self, policy: VisionLanguagePolicy, greedy: bool = False, name: str = "policy",
                 temperature: float = 1.0) -> None:
        super().__init__(action_space_of(policy))
        check_above_zero(temperature, "--policy-temperature")
        self.policy = policy.eval()
        self.greedy = greedy
        self.temperature = temperature
        self.name = name
        self._frames: dict[int, deque] = {}
        self._proprio: dict[int, deque] = {}
        self._plans: dict[int, deque] = {}
        """Per slot, the actions of its chunk under way still to execute."""
        self._offered: dict[int, tuple[ChunkedBinnedBox, int]] = {}
        """Per slot, the last distribution offered to it and its row there (to follow a chunk once it is drawn)."""

    def begin_episode(self, slot, env) -> None:
        self._frames.pop(slot, None)
        self._proprio.pop(slot, None)
        self._plans.pop(slot, None)
        self._offered.pop(slot, None)

    def executed(self, slot, action) -> None:
        offered = self._offered.pop(slot, None)
        if offered is None:
            return
        dist, row = offered
        plan = self._plans.pop(slot, None)
        action = np.asarray(action)
        if plan:  # a chunk under way: it goes on while its next action is the one executed
            if np.array_equal(plan[0], action) and len(plan) > 1:
                plan.popleft()
                self._plans[slot] = plan
        elif dist.chunks is not None and np.array_equal(dist.chunks[row, 0], action) and dist.chunk > 1:
            self._plans[slot] = deque(dist.chunks[row, 1:])

    @torch.no_grad()
    def distribution(self, observations, envs, slots) -> ActionDistribution:
        memory, spec = self.policy.config.memory, self.policy.spec
        images = np.stack([compose_image(o, spec.cameras, spec.depth, spec.depth_range) for o in observations])
        prepared = self.policy.prepare_frames(torch.from_numpy(images))
        for i, slot in enumerate(slots):
            proprio = torch.as_tensor(
                observations[i][spec.proprio_key] if spec.proprio_size else np.zeros(0, np.float32), dtype=torch.float32
            )
            if slot not in self._frames:
                self._frames[slot] = deque([prepared[i]] * memory, maxlen=memory)
                self._proprio[slot] = deque([proprio] * memory, maxlen=memory)
            else:
                self._frames[slot].append(prepared[i])
                self._proprio[slot].append(proprio)
        windows = torch.stack([torch.stack(list(self._frames[s])) for s in slots])
        proprio = torch.stack([torch.stack(list(self._proprio[s])) for s in slots]).float()
        instructions = [o[F.INSTRUCTION] for o in observations]
        if self.policy.config.action_chunk > 1:
            return self._chunked(windows, proprio, instructions, slots)
        frames = None
        if self.policy.prior_stream is not None:
            frames = torch.from_numpy(np.stack([o[spec.cameras[0]] for o in observations]))
        probs = self.policy.action_probabilities(windows, proprio, instructions, frames).double().numpy()
        probs = sharpen(probs, self.temperature)
        if self.policy.config.action_head == "pick_place":
            joint = JointCategorical(probs)
            return joint.greedy() if self.greedy else joint
        if self.greedy:
            most_likely = probs == probs.max(-1, keepdims=True)
            probs = most_likely / most_likely.sum(-1, keepdims=True)
        if spec.discrete:
            return Categorical(probs)
        if spec.action_type == "multi_discrete":
            return MultiCategorical(probs)
        return BinnedBox(probs, self.action_space.low, self.action_space.high)

    def _chunked(self, windows, proprio, instructions, slots) -> ChunkedBinnedBox:
        """Rows whose chunk is under way get its next action; the others a fresh chunk (the policy is run for them only)."""
        chunk, box = self.policy.config.action_chunk, self.action_space
        planned = {i: self._plans[s][0] for i, s in enumerate(slots) if self._plans.get(s)}
        fresh = [i for i in range(len(slots)) if i not in planned]
        probs = np.full((len(slots), chunk * int(np.prod(box.shape)), self.policy.config.action_bins), 1.0)
        if fresh:
            looked = self.policy.action_probabilities(windows[fresh], proprio[fresh], [instructions[i] for i in fresh])
            probs[fresh] = looked.double().numpy()
        probs = sharpen(probs / probs.sum(-1, keepdims=True), self.temperature)
        if self.greedy:
            most_likely = probs == probs.max(-1, keepdims=True)
            probs = most_likely / most_likely.sum(-1, keepdims=True)
        dist = ChunkedBinnedBox(probs, box.low, box.high, chunk, planned)
        for i, slot in enumerate(slots):
            self._offered[slot] = (dist, i)
        return dist
