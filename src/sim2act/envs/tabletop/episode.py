"""What every tabletop env shares whatever its simulator: options, the step's bookkeeping, instructions and info.

A simulator's env (``TabletopEnv`` in MuJoCo, ``twin.TwinTabletopEnv`` in PyBullet) provides ``controller``
(an arm moving the end-effector site: ``move_to``, ``hold``, ``go_home``, ``target``), ``surface_height(xy)``,
``facts()``, ``body_position(body)``, ``_observation()`` and ``reset``; ``EE_WAYPOINT_STEPS`` is its physics
steps between IK waypoints of an ``ee_delta`` step.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import gymnasium as gym
import numpy as np

from sim2act import features as F
from sim2act.envs.tabletop import rewards
from sim2act.envs.tabletop.controller import EE_BOUNDS, GRIPPER_OPEN
from sim2act.envs.tabletop.primitives import pick_and_place
from sim2act.envs.tabletop.workspace import CELLS
from sim2act.errors import Sim2ActError

ACTION_MODES = ("pick_place", "ee_delta")
CAPTION_COLORS = ("named", "all")
"""What the prior's captions and regions may name: only colours the level names (``named``: an evaluation-only
colour is never read, even as a distractor), or every object in view (``all``). Instructions, hindsight and the
verifier's success always keep to the level's colours."""
CONTROL_HZ = 10
EE_STEP = 0.04
"""Metres the end-effector target moves for a full-scale ``ee_delta`` action."""
SETTLE_SECONDS = 0.12


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

    metadata = {"render_modes": ["rgb_array"], "render_fps": CONTROL_HZ}  # noqa: RUF012 - gymnasium's convention
    EE_WAYPOINT_STEPS = 13
    """Physics steps between IK waypoints of an ``ee_delta`` step: MuJoCo's two per 10-Hz step (25 physics steps;
    a ≤ 4 cm move needs no finer line)."""

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

    def _simulate(self, action) -> tuple[set[str], set[str]]:
        """Execute one action; the facts that hold afterwards, and pick facts that held during it."""
        if self.action_mode == "pick_place":
            lifted: set[str] = set()
            pick, place = (int(a) for a in np.asarray(action).reshape(-1)[:2])
            if not (0 <= pick < CELLS and 0 <= place < CELLS):
                raise Sim2ActError(f"pick_place action {list(np.asarray(action).reshape(-1))} is outside [0, {CELLS})")
            note_lift = lambda: lifted.update(f for f in self.facts() if f.startswith("pick up "))
            pick_and_place(self.controller, pick, place, note_lift, surface=self.surface_height)
            self.controller.hold(SETTLE_SECONDS)
            return self.facts(), lifted
        a = np.clip(np.asarray(action, np.float64).reshape(-1)[:4], -1.0, 1.0)
        target = np.clip(self.controller.target + EE_STEP * a[:3], EE_BOUNDS[0], EE_BOUNDS[1])
        self.controller.move_to(target, GRIPPER_OPEN * (a[3] + 1.0) / 2.0, 1.0 / CONTROL_HZ, self.EE_WAYPOINT_STEPS)
        facts = self.facts()
        return facts, {f for f in facts if f.startswith("pick up ")}

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
