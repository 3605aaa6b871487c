"""``PolicyHost``: a trained policy behind the server: what it tells clients, what it accepts, one action per request.

Each client connection is a *slot* of the policy's proposer, so a policy with memory (its last frames)
or action chunks keeps one episode per robot; ``reset`` starts a new one. Requests are checked against
the env's observation space before they reach the policy, so a malformed one is a ``RequestError``
(one line, sent back to that client) and never an exception inside the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces

from sim2act import features as F
from sim2act.envs import make
from sim2act.validation import check_above_zero


class RequestError(ValueError):
    """A request the policy cannot act on; its message goes back to the client."""


def describe_space(space: spaces.Space) -> dict[str, Any]:
    """A Gymnasium space as plain data (for the metadata handshake)."""
    if isinstance(space, spaces.Box):
        return {"type": "box", "shape": list(space.shape), "dtype": space.dtype.name,
                "low": space.low.astype(np.float64).tolist(), "high": space.high.astype(np.float64).tolist()}
    if isinstance(space, spaces.Discrete):
        return {"type": "discrete", "n": int(space.n), "start": int(space.start)}
    if isinstance(space, spaces.MultiDiscrete):
        return {"type": "multi_discrete", "nvec": space.nvec.astype(np.int64).tolist()}
    if isinstance(space, spaces.Text):
        return {"type": "text", "max_length": int(space.max_length)}
    if isinstance(space, spaces.Dict):
        return {"type": "dict", "spaces": {key: describe_space(s) for key, s in space.spaces.items()}}
    return {"type": type(space).__name__}


class PolicyHost:
    """One loaded policy, acting for any number of client slots."""

    def __init__(self, checkpoint: str | Path, greedy: bool = False, seed: int = 0, temperature: float = 1.0) -> None:
        from sim2act.models import load_policy
        from sim2act.proposers.policy import PolicyProposer
        from sim2act.training.checkpoints import resolve_policy_folder

        check_above_zero(temperature, "--policy-temperature")
        folder = resolve_policy_folder(str(checkpoint))  # a folder that holds no policy: a one-line Sim2ActError
        policy = load_policy(folder)
        self.proposer = PolicyProposer(policy, greedy=greedy, temperature=temperature)
        self.spec = policy.spec
        self.greedy, self.seed = greedy, seed
        level = self.spec.levels[0] if self.spec.levels else None
        env = make(self.spec.domain, level, **self.spec.env_options)
        try:
            self.observation_space = spaces.Dict({k: s for k, s in env.observation_space.spaces.items() if k != F.INSTRUCTION})
            self.action_space = env.action_space
            control_hz = env.metadata.get("render_fps")
        finally:
            env.close()
        self.required = sorted({*self.spec.cameras, *self.spec.depth, *([self.spec.proprio_key] if self.spec.proprio_size else [])})
        """Observation fields the policy reads; the others of the space are accepted and ignored."""
        self.metadata = {
            "type": "metadata", "checkpoint": str(folder), "domain": self.spec.domain, "levels": list(self.spec.levels),
            "env_options": dict(self.spec.env_options), "observation_space": describe_space(self.observation_space),
            "required_observations": self.required, "action_space": describe_space(self.action_space),
            "instruction_vocabulary": list(self.spec.vocabulary), "control_hz": control_hz,
            "action_horizon": int(policy.config.action_chunk), "greedy": greedy,
            "policy_temperature": temperature,
        }
        self._rngs: dict[int, np.random.Generator] = {}
        self._next_slot = 0

    def open_slot(self) -> int:
        """A new client's slot, its episode begun."""
        slot, self._next_slot = self._next_slot, self._next_slot + 1
        self.reset(slot)
        return slot

    def reset(self, slot: int) -> None:
        """Slot ``slot`` starts a new episode: the policy forgets its frames and chunk."""
        self.proposer.begin_episode(slot, None)
        self._rngs[slot] = np.random.default_rng([self.seed, slot])

    def close_slot(self, slot: int) -> None:
        self.proposer.begin_episode(slot, None)
        self._rngs.pop(slot, None)

    def check(self, observation: Any, instruction: Any) -> dict[str, Any]:
        """The observation the policy reads, or a ``RequestError`` naming what is wrong."""
        if not isinstance(instruction, str) or not instruction.strip():
            raise RequestError("instruction must be a non-empty string")
        if not isinstance(observation, Mapping):
            raise RequestError("observation must be a map of field name to array")
        unknown = sorted(set(observation) - set(self.observation_space.spaces))
        if unknown:
            raise RequestError(f"unknown observation field(s) {', '.join(map(str, unknown))}; "
                               f"known: {', '.join(self.observation_space.spaces)}")
        missing = [key for key in self.required if key not in observation]
        if missing:
            raise RequestError(f"missing observation field(s) {', '.join(missing)}")
        checked = {}
        for key in self.required:
            value, space = observation[key], self.observation_space[key]
            if not isinstance(value, np.ndarray):
                raise RequestError(f"observation {key!r} must be an array, got {type(value).__name__}")
            if value.shape != space.shape:
                raise RequestError(f"observation {key!r} has shape {value.shape}, the policy needs {space.shape}")
            if not np.can_cast(value.dtype, space.dtype, "same_kind"):
                raise RequestError(f"observation {key!r} has dtype {value.dtype}, the policy needs {space.dtype}")
            checked[key] = value.astype(space.dtype, copy=False)
        return {**checked, F.INSTRUCTION: instruction}

    def act(self, slot: int, observation: Any, instruction: Any) -> np.ndarray:
        """The policy's action for ``slot``'s current frame (checked first: a ``RequestError`` if malformed)."""
        checked = self.check(observation, instruction)
        distribution = self.proposer.distribution([checked], [None], [slot])
        action = np.asarray(distribution.sample(self._rngs[slot])[0])
        self.proposer.executed(slot, action)
        return action
