"""Steering toward a pose the agent stood at before: turn to face the place, then step forward.

``Domain.steer`` of nav3d, for hindsight shortcuts (``labels.shortcuts``): it reads the agent's own pose and a
place its own walk reached (both from state keys; a robot has them from odometry), never an object, a wall or the
instruction. It is not a planner: it walks a straight line and fails where something stands on it.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym

from sim2act.envs.nav3d.env import ACTION_NAMES

TURN_LEFT, TURN_RIGHT, FORWARD = (ACTION_NAMES.index(a) for a in ("turn_left", "turn_right", "forward"))
ARRIVED = 0.5
"""Forward steps from the place within which the agent has arrived (a step further could only overshoot)."""


def steer_toward(env: gym.Env, state_key: Any) -> int | None:
    """The action that brings the agent straight toward ``state_key``'s place (x, z); None once there.

    Turns while the place lies more than half a turn off the heading, so each forward step closes in on it.
    """
    world = env.unwrapped.world
    x, z = float(world.agent.pos[0]), float(world.agent.pos[2])
    goal_x, goal_z = float(state_key[0]), float(state_key[1])
    if math.hypot(goal_x - x, goal_z - z) < ARRIVED * world.max_forward_step:
        return None
    turn = world.heading_to(goal_x, goal_z)
    half = math.radians(world.params.get_max("turn_step")) / 2
    if turn > half + 1e-6:
        return TURN_LEFT
    if turn < -half - 1e-6:
        return TURN_RIGHT
    return FORWARD
