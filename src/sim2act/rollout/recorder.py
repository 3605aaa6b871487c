"""The collector: a Gymnasium wrapper that records every step of the current episode."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from sim2act import features as F
from sim2act.data.episode import Episode
from sim2act.data.schema import annotation_columns, observation_columns
from sim2act.tasks import Task


class EpisodeRecorder(gym.Wrapper):
    """Records (o_t, a_t, r_t, terminated, truncated, success, achieved) until ``pop_episode``, and the env's
    privileged annotations of o_t (``annotation_space``, read from ``info``) where it has any."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self._keys = observation_columns(env.observation_space)
        self._annotation_keys = annotation_columns(env)
        self._clear()

    def _clear(self) -> None:
        self._frames: dict[str, list[np.ndarray]] = {k: [] for k in self._keys}
        self._annotations: dict[str, list[np.ndarray]] = {k: [] for k in self._annotation_keys}
        self._actions: list = []
        self._rewards: list[float] = []
        self._terminated: list[bool] = []
        self._truncated: list[bool] = []
        self._success: list[bool] = []
        self._achieved: dict[str, int] = {}
        self._state_keys: list = []

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self._clear()
        self._obs, self._info = obs, info
        if F.INFO_STATE_KEY in info:
            self._state_keys.append(info[F.INFO_STATE_KEY])
        return obs, info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        step = len(self._actions)
        for key in self._keys:
            self._frames[key].append(self._obs[key])
        for key in self._annotation_keys:
            self._annotations[key].append(self._info[key])
        self._actions.append(action)
        self._rewards.append(reward)
        self._terminated.append(terminated)
        self._truncated.append(truncated)
        self._success.append(info[F.INFO_SUCCESS])
        for instruction in info[F.INFO_ACHIEVED]:
            self._achieved.setdefault(instruction, step)
        if self._state_keys:
            self._state_keys.append(info[F.INFO_STATE_KEY])
        self._obs, self._info = obs, info
        return obs, reward, terminated, truncated, info

    @property
    def state_key(self):
        """The current state's ``info["state_key"]``, or None when the env reports none."""
        return self._state_keys[-1] if self._state_keys else None

    def pop_episode(self, episode_id: int, task: Task) -> Episode:
        """The steps recorded since the last reset, as arrays; the buffer is cleared."""
        episode = Episode(
            episode_id=episode_id,
            task=task,
            observations={k: np.stack(v) for k, v in self._frames.items()},
            actions=np.asarray(self._actions),
            rewards=np.asarray(self._rewards, np.float32),
            terminated=np.asarray(self._terminated, bool),
            truncated=np.asarray(self._truncated, bool),
            success=np.asarray(self._success, bool),
            achieved=sorted(((s, i) for i, s in self._achieved.items()), key=lambda p: p[0]),
            state_keys=self._state_keys or None,
            annotations={k: np.stack(v) for k, v in self._annotations.items()},
        )
        self._clear()
        return episode
