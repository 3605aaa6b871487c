"""Captions of a tabletop state in its task language, read off the simulator (the prior's data).

For every named object on the table (every object in view with ``caption_colors="all"``) the captions are the instructions about it, each with how far
it is from true: in ``pick_place`` mode the number of primitives (0 when true now, else 1: one
pick-and-place does it; a tower needs one per block not yet in place); in ``ee_delta`` mode an
estimate of 10-Hz steps: the gripper's path (to the block, down, up, across, down) over the step
length, plus the steps the fingers take to close and open. Every object in the workspace is in view
of the front camera, so each caption has a mention.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from sim2act.envs.captions import Caption
from sim2act.envs.tabletop import language as L
from sim2act.envs.tabletop import predicates
from sim2act.envs.tabletop.env import TabletopEnv
from sim2act.envs.tabletop.episode import EE_STEP

GRIPPER_STEPS = 6
"""10-Hz steps the expert spends closing and opening the fingers in one pick-and-place."""


def tabletop_captions(env) -> list[Caption]:
    """Every caption of the current state of a tabletop env (wrapped or not)."""
    base: TabletopEnv = env.unwrapped
    all_blocks, all_bowls = captioned_objects(base)
    facts = predicates.facts(base.model, base.data, all_blocks, all_bowls, base.ids.fingers)
    blocks = [(i, b) for i, b in enumerate(all_blocks) if b.named]
    bowls = [b for b in all_bowls if b.named]
    xy = lambda body: base.data.xpos[body][:2]  # noqa: E731
    captions = []

    def add(text: str, mention: str, block: int, destination) -> None:
        done = text in facts
        captions.append(Caption(text, 0 if done else _distance(base, block, destination), mention))

    for i, block in blocks:
        mention = f"the {block.color} block"
        add(L.pick_instruction(block.color), mention, i, None)
        for bowl in bowls:
            add(L.put_in_bowl_instruction(block.color, bowl.color), mention, i, xy(bowl.body))
            for direction in L.DIRECTIONS:
                text = L.place_relative_instruction(block.size, block.color, direction, bowl.color)
                add(text, mention, i, xy(bowl.body))
        for j, other in blocks:
            if j != i:
                add(L.stack_instruction(block.color, other.color), mention, i, xy(other.body))
    if L.instruction_type(base.layout.instruction) == "tower":
        remaining = [s for s in L.subgoals(base.layout.instruction) if s not in facts]
        steps = len(remaining) if base.action_mode == "pick_place" else len(remaining) * _typical_move(base)
        colors = L.tower_colors(base.layout.instruction)
        captions.append(Caption(base.layout.instruction, steps, f"the {colors[0]} block"))
    return captions


def captioned_objects(base: TabletopEnv) -> tuple[list[predicates.BlockView], list[predicates.BowlView]]:
    """The env's blocks and bowls, ``named`` where captions may name them (``caption_colors``: the level's
    colours, or every object in view)."""
    if base.caption_colors == "named":
        return base.blocks, base.bowls
    return ([dataclasses.replace(b, named=True) for b in base.blocks],
            [dataclasses.replace(b, named=True) for b in base.bowls])


def _distance(env: TabletopEnv, block: int, destination) -> int:
    if env.action_mode == "pick_place":
        return 1
    ee = env.controller.target
    position = env.data.xpos[env.blocks[block].body]
    path = np.linalg.norm(ee[:2] - position[:2]) + 2 * abs(ee[2] - position[2])
    if destination is not None:
        path += np.linalg.norm(position[:2] - np.asarray(destination)) + 0.2
    return math.ceil(path / EE_STEP) + GRIPPER_STEPS


def _typical_move(env: TabletopEnv) -> int:
    return math.ceil(0.6 / EE_STEP) + GRIPPER_STEPS
