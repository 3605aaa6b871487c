"""What every tabletop env shares whatever its simulator: options, the step's bookkeeping, instructions and info.

A simulator's env (``TabletopEnv`` in MuJoCo, ``twin.TwinTabletopEnv`` in PyBullet) provides
``_simulate(action) -> (facts after it, pick facts during it)``, ``facts()``, ``_observation()`` and ``reset``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import gymnasium as gym

from sim2act import features as F
from sim2act.envs.tabletop import rewards
from sim2act.errors import Sim2ActError

ACTION_MODES = ("pick_place", "ee_delta")
CAPTION_COLORS = ("named", "all")
"""What the prior's captions and regions may name: only colours the level names (``named``: an evaluation-only
colour is never read, even as a distractor), or every object in view (``all``). Instructions, hindsight and the
verifier's success always keep to the level's colours."""
CONTROL_HZ = 10


def check_options(action_mode: str, image_size: int, caption_colors: str, reward: str) -> None:
    """One line naming the first bad option."""
    if reward not in rewards.REWARDS:
        raise Sim2ActError(f"reward must be one of {', '.join(rewards.REWARDS)}, got {reward!r}")
    if caption_colors not in CAPTION_COLORS:
        raise Sim2ActError(f"caption_colors must be one of {', '.join(CAPTION_COLORS)}, got {caption_colors!r}")
    if action_mode not in ACTION_MODES:
        raise Sim2ActError(f"unknown action mode {action_mode!r}; known: {', '.join(ACTION_MODES)}")
    if not 16 <= int(image_size) <= 256:
        raise Sim2ActError(f"image_size must lie in [16, 256] pixels, got {image_size}")


class TabletopEpisode(gym.Env):
    """An episode of a tabletop level: success when the instruction becomes a fact, hindsight from new facts."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": CONTROL_HZ}

    @property
    def max_steps(self) -> int:
        return self.spec_level.primitives if self.action_mode == "pick_place" else self.spec_level.ee_steps

    def step(self, action):
        facts, lifted = self._simulate(action)
        achieved = sorted((facts - self._facts) | lifted)
        self._facts = facts
        self._steps += 1
        success = self.layout.instruction in facts or self.layout.instruction in lifted
        truncated = not success and self._steps >= self.max_steps
        reward = float(success)
        if self.reward == "shaped":
            potential = rewards.potential(self)
            reward += potential - self._potential
            self._potential = potential
        return self._observation(), reward, success, truncated, self._info(success, achieved)

    def set_instruction(self, instruction: str) -> dict[str, Any]:
        """Follow ``instruction`` instead of the episode's from now on (replays); the observation with it."""
        self.layout = dataclasses.replace(self.layout, instruction=instruction)
        return self._observation()

    def _begin(self) -> None:
        """Bookkeeping after a reset has laid out the table and homed the arm."""
        self._steps = 0
        self._facts = self.facts()
        self.start_positions = {b.body: self.body_position(b.body) for b in self.blocks}
        self._potential = rewards.potential(self) if self.reward == "shaped" else 0.0

    def _info(self, success: bool, achieved: list[str]) -> dict[str, Any]:
        return {F.INFO_INSTRUCTION: self.layout.instruction, F.INFO_SUCCESS: bool(success), F.INFO_ACHIEVED: achieved}

    def render(self):
        return self._observation()[F.RGB]
