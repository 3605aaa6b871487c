"""``TaskEnv``: a sim2act env as a plain Gymnasium env over one task split, for RL libraries.

RL from scratch must see exactly what sim2act's policies see and nothing else: the same envs, the
same task splits and the same observation. Every reset therefore draws the next task of a split
from a ``TaskSampler`` (episode ``i`` of a sampler seed is always the same task), so an agent trained
on ``train`` never meets a held-out layout or composition. The observation is re-encoded for
libraries that want fixed-shape arrays (stable-baselines3 has no text space): the camera image (every
camera with its depth, composed as for sim2act's policy), the
instruction as word ids of the domain's task grammar (``WordTokenizer``, 0 = padding) and the
proprioception when the env has it. The reward is the env's own (BabyAI's ``1 - 0.9·t/T`` on success
for the grid), and ``info`` passes through, with the episode's ``Task`` added on reset.

``reset(seed=s)`` restarts the task sequence of sampler seed ``s`` (so a seeded reset is
reproducible, as Gymnasium asks); ``reset()`` moves on to the next task.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from sim2act import features as F
from sim2act.envs import get_domain, make
from sim2act.models.tokenizer import WordTokenizer
from sim2act.observations import compose_image, composed_shape
from sim2act.tasks import TaskSampler, get_split

IMAGE = "image"
INSTRUCTION_IDS = "instruction"
PROPRIO = "proprio"
INFO_TASK = "task"
"""Key of the reset ``info`` entry holding the episode's ``Task``."""


class InstructionEncoder:
    """Maps sim2act observations to the fixed-shape arrays of ``TaskEnv``'s observation space.

    ``TaskEnv`` and ``RLProposer`` share it, so a trained model reads instructions the same way in
    training and in sim2act's evaluation.
    """

    def __init__(self, domain: str, max_length: int | None = None, env_options: Mapping[str, Any] | None = None) -> None:
        vocabulary = get_domain(domain).grammar.vocabulary
        self.sensors = get_domain(domain).sensors(env_options or {})
        """The cameras (with depth) composed into ``image``, and the proprio key (``sim2act.observations``)."""
        self.tokenizer = WordTokenizer(vocabulary) if max_length is None else WordTokenizer(vocabulary, max_length)
        self.max_length = self.tokenizer.max_length
        """Length of the id vector (``[CLS]`` included); longer instructions are cut, shorter ones padded."""
        self.vocab_size = len(self.tokenizer)
        self._ids = lru_cache(maxsize=4096)(self._encode)

    def ids(self, instruction: str) -> np.ndarray:
        """The instruction's word ids, int64 ``(max_length,)``, 0-padded."""
        return self._ids(instruction).copy()

    def _encode(self, instruction: str) -> np.ndarray:
        encoded, _ = self.tokenizer.encode([instruction])
        ids = np.zeros(self.max_length, np.int64)
        ids[: encoded.shape[1]] = encoded[0].numpy()
        return ids

    def observation(self, obs: Mapping[str, Any], with_proprio: bool) -> dict[str, np.ndarray]:
        """One sim2act observation in ``TaskEnv``'s format."""
        sensors = self.sensors
        image = compose_image(obs, sensors.cameras, sensors.depth, sensors.depth_range)
        encoded = {IMAGE: image, INSTRUCTION_IDS: self.ids(obs[F.INSTRUCTION])}
        if with_proprio:
            encoded[PROPRIO] = np.asarray(obs[sensors.proprio], np.float32)
        return encoded

    def batch(self, observations: Sequence[Mapping[str, Any]], with_proprio: bool) -> dict[str, np.ndarray]:
        """Several sim2act observations stacked along a leading batch axis."""
        encoded = [self.observation(o, with_proprio) for o in observations]
        return {key: np.stack([e[key] for e in encoded]) for key in encoded[0]}


def observation_space_for(env_space: spaces.Dict, encoder: InstructionEncoder) -> spaces.Dict:
    """``TaskEnv``'s observation space for an env whose sim2act observation space is ``env_space``."""
    sensors = encoder.sensors
    keys = (*sensors.cameras, *sensors.depth)
    image = composed_shape({key: env_space[key].shape for key in keys}, sensors.cameras, sensors.depth)
    entries: dict[str, spaces.Space] = {
        IMAGE: spaces.Box(0, 255, image, np.uint8),
        INSTRUCTION_IDS: spaces.Box(0, encoder.vocab_size - 1, (encoder.max_length,), np.int64),
    }
    if sensors.proprio and sensors.proprio in env_space.spaces:
        proprio = env_space[sensors.proprio]
        entries[PROPRIO] = spaces.Box(proprio.low, proprio.high, proprio.shape, np.float32)
    return spaces.Dict(entries)


class TaskEnv(gym.Env):
    """``make(domain, level, **env_options)`` whose resets walk through the tasks of one split.

    ## Observation Space
    ``Dict`` of ``image`` (the domain's cameras side by side, with a depth channel where it has depth:
    ``sim2act.observations.compose_image``, as the sim2act policy sees them), ``instruction`` (int64 word ids of
    length ``max_length``, 0 = padding, first id ``[CLS]``) and ``proprio`` (when the env has it).

    ## Action Space, Rewards, Episode End
    The env's own.

    ## Info
    The env's own; on reset also ``task``: the ``sim2act.tasks.Task`` drawn for the episode.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        domain: str,
        level: str,
        split: str = "train",
        seed: int = 0,
        max_length: int | None = None,
        env_options: Mapping[str, Any] | None = None,
    ) -> None:
        get_split(split)
        self.env = make(domain, level, **(env_options or {}))
        self.domain = domain
        self.level = get_domain(domain).resolve_level(level)
        self.split = split
        self.encoder = InstructionEncoder(domain, max_length, env_options)
        self.observation_space = observation_space_for(self.env.observation_space, self.encoder)
        self.action_space = self.env.action_space
        self._with_proprio = PROPRIO in self.observation_space.spaces
        self._sampler = TaskSampler(domain, self.level, split, seed)
        self._next_episode = 0
        self.raw_observation: dict[str, Any] | None = None
        """The sim2act observation the last reset or step returned, before encoding (for proposers that read it)."""
        self.state_key = None
        """The env's ``info["state_key"]`` of the current state, where it reports exact keys (else None)."""

    @property
    def preview(self):
        """The env's ``preview`` (outcomes of actions on a copy of its state), or None where it has none."""
        return getattr(self.env.unwrapped, "preview", None)

    @property
    def sampler_seed(self) -> int:
        """Seed of the task sampler: with the episode counter it fixes every task drawn."""
        return self._sampler.seed

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self._sampler = TaskSampler(self.domain, self.level, self.split, seed)
            self._next_episode = 0
        task, obs, info = self._sampler.reset(self.env, self._next_episode)
        self._next_episode += 1
        self.raw_observation, self.state_key = obs, info.get(F.INFO_STATE_KEY)
        return self.encoder.observation(obs, self._with_proprio), {**info, INFO_TASK: task}

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.raw_observation, self.state_key = obs, info.get(F.INFO_STATE_KEY)
        return self.encoder.observation(obs, self._with_proprio), float(reward), terminated, truncated, info

    def close(self):
        self.env.close()
