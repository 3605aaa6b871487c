"""A scripted expert from privileged state, like Ravens' oracle: the ``bc-expert`` reference.

It reads object poses (never available to a policy) and plans the next pick-and-place of the
instruction: the block to move and where it must go. In ``pick_place`` mode that is one action; in
``ee_delta`` mode a waypoint follower turns it into 10-Hz end-effector moves (above the block, down,
close, up, across, down, open, up).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim2act.envs.tabletop import language as L
from sim2act.envs.tabletop.env import TabletopEnv
from sim2act.envs.tabletop.episode import EE_STEP
from sim2act.envs.tabletop.levels import RELATION_CELLS
from sim2act.envs.tabletop.predicates import DIRECTION_VECTORS
from sim2act.envs.tabletop.primitives import GRASP_DEPTH, PLACE_CLEARANCE, TRAVEL_HEIGHT, grasp_tip_height, gripper_at
from sim2act.envs.tabletop.workspace import CELL, xy_cell

EE_OPEN = 0.5
"""``ee_delta`` gripper value while open: 6 cm between the pads, clear of neighbours one cell away."""


@dataclass(frozen=True)
class Move:
    """Move ``block`` (an index into the env's blocks) to the point ``to`` (x, y) on the surface there."""

    block: int
    to: np.ndarray
    to_height: float
    """Height of the surface the block is put on (table 0, a bowl's floor, a block's top)."""


def plan(env: TabletopEnv) -> Move | None:
    """The next pick-and-place the instruction needs, or None when it is done or impossible."""
    instruction = env.layout.instruction
    kind = L.instruction_type(instruction)
    blocks = {b.color: i for i, b in enumerate(env.blocks)}
    position = lambda i: env.body_position(env.blocks[i].body)  # noqa: E731
    top = lambda i: float(position(i)[2] + env.blocks[i].half)  # noqa: E731
    if kind == "pick":
        i = blocks[instruction.split()[3]]
        return Move(i, position(i)[:2].copy(), 0.0)
    if kind == "put in bowl":
        words = instruction.split()
        bowl = next(b for b in env.bowls if b.color == words[-2])
        return Move(blocks[words[2]], env.body_position(bowl.body)[:2].copy(), 0.008)
    if kind == "stack":
        words = instruction.split()
        below = blocks[words[-2]]
        return Move(blocks[words[2]], position(below)[:2].copy(), top(below))
    if kind == "place relative":
        words = instruction.split()
        bowl = next(b for b in env.bowls if b.color == words[-2])
        direction = next(d for d in L.DIRECTIONS if f" {d} the " in instruction)
        offset = np.asarray(DIRECTION_VECTORS[direction]) * RELATION_CELLS * CELL
        return Move(blocks[words[3]], env.body_position(bowl.body)[:2] + offset, 0.0)
    if kind == "tower":
        colors = L.tower_colors(instruction)
        facts = env.facts()
        for bottom, upper in zip(colors, colors[1:]):
            if L.stack_instruction(upper, bottom) not in facts:
                return Move(blocks[upper], position(blocks[bottom])[:2].copy(), top(blocks[bottom]))
    return None


class TabletopExpert:
    """The expert for one episode of a tabletop env (``Domain.expert``)."""

    def __init__(self, env) -> None:
        self.env: TabletopEnv = env.unwrapped
        self._waypoints: list[tuple[np.ndarray, float]] = []
        self._waits = 0

    def act(self, last_action):
        move = plan(self.env)
        if move is None:
            return None
        if self.env.action_mode == "pick_place":
            pick = xy_cell(self.env.body_position(self.env.blocks[move.block].body)[:2])
            place = xy_cell(move.to)
            return None if pick is None or place is None else np.array([pick, place], np.int64)
        return self._ee_action(move)

    def _ee_action(self, move: Move) -> np.ndarray:
        env = self.env
        if not self._waypoints:
            self._waypoints = _waypoints(env, move)
        target, gripper = self._waypoints[0]
        delta = (target - env.controller.target) / EE_STEP
        if np.abs(delta).max() < 1e-3:
            self._waypoints.pop(0)
            if self._waypoints:
                target, gripper = self._waypoints[0]
                delta = (target - env.controller.target) / EE_STEP
        return np.append(np.clip(delta, -1.0, 1.0), gripper).astype(np.float32)


def _waypoints(env: TabletopEnv, move: Move) -> list[tuple[np.ndarray, float]]:
    """(end-effector target, gripper value) pairs: above, down, close (held), up, across, down, open (held), up."""
    block = env.blocks[move.block]
    xy = env.body_position(block.body)[:2].copy()
    grasp_tip = grasp_tip_height(float(env.body_position(block.body)[2]) + block.half)
    release_tip = move.to_height + PLACE_CLEARANCE + 2 * block.half - GRASP_DEPTH  # block bottom just above the surface

    closed, opened = -1.0, EE_OPEN
    hold = 3  # control steps for the fingers to close or open
    up = TRAVEL_HEIGHT - 0.08
    return (
        [(gripper_at(xy, up), opened), (gripper_at(xy, grasp_tip), opened)]
        + [(gripper_at(xy, grasp_tip), closed)] * hold
        + [(gripper_at(xy, up), closed), (gripper_at(move.to, up), closed), (gripper_at(move.to, release_tip), closed)]
        + [(gripper_at(move.to, release_tip), opened)] * hold
        + [(gripper_at(move.to, up), opened)]
    )

