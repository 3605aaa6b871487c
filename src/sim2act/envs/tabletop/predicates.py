"""The verifier: which facts of the task language hold in the current simulator state.

Facts are read off privileged simulator state (poses, contacts, velocities), which the policy never
sees. Each fact is phrased as the instruction that asks for it, so success is "the episode's
instruction is among the facts" and hindsight labels are "facts that became true":

- ``pick up the X block``: X touches both fingers and its bottom is ≥ ``LIFT_HEIGHT`` above the table;
- ``put the X block in the Y bowl``: X's centre is inside Y's rim, its bottom below the rim's top,
  and it rests there (no finger holds it);
- ``stack the X block on the Y block``: X's bottom lies on Y's top (within ``ON_TOLERANCE``), its
  centre over Y's top face, at rest and released;
- ``put the S X block <relation> the Y bowl``: X rests on the table ``RELATION_NEAR``–``RELATION_FAR``
  from Y's centre along the relation's direction and within ``RELATION_SIDE`` across it;
- ``stack the A, B and C blocks into a tower``: B on A, C on B (every block of the chain, bottom first).

"At rest" means a speed below ``REST_SPEED``; an env checks facts after its controller settles.
``facts_of`` decides from block poses, speeds and grasps and bowl centres alone, so the PyBullet twin
(``envs.tabletop.twin``) uses the very same predicates.
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

from sim2act.envs.tabletop import language as L
from sim2act.envs.tabletop.workspace import BOWL_HEIGHT, BOWL_INNER_RADIUS

LIFT_HEIGHT = 0.03
ON_TOLERANCE = 0.008
RELATION_NEAR, RELATION_FAR, RELATION_SIDE = 0.06, 0.16, 0.05
RELATION_MIDDLE = (RELATION_NEAR + RELATION_FAR) / 2
"""Distance (m) from a bowl's centre to the middle of a relation's band."""
REST_SPEED = 0.05
DIRECTION_VECTORS = {"left of": (0.0, -1.0), "right of": (0.0, 1.0), "behind": (-1.0, 0.0), "in front of": (1.0, 0.0)}
"""Unit (x, y) of each relation as the front camera (facing -x, its right along +y) sees it."""


@dataclass(frozen=True)
class BlockView:
    color: str
    size: str
    half: float
    body: int
    geom: int
    named: bool
    """Its colour is one the level names (else it is an unnamed distractor)."""


@dataclass(frozen=True)
class BowlView:
    color: str
    body: int
    named: bool


@dataclass(frozen=True)
class BlockState:
    position: np.ndarray
    speed: float
    held: bool

    def bottom(self, half: float) -> float:
        return float(self.position[2] - half)


def block_states(model: mujoco.MjModel, data: mujoco.MjData, blocks: list[BlockView], fingers: tuple[int, int]):
    """Pose, speed and grasp of every block."""
    touching: dict[int, set[int]] = {}
    for i in range(data.ncon):
        contact = data.contact[i]
        b1, b2 = model.geom_bodyid[contact.geom1], model.geom_bodyid[contact.geom2]
        for a, b in ((b1, b2), (b2, b1)):
            if b in fingers:
                touching.setdefault(int(a), set()).add(int(b))
    velocity = np.zeros(6)
    states = []
    for block in blocks:
        mujoco.mj_objectVelocity(model, data, mujoco.mjtObj.mjOBJ_BODY, block.body, velocity, 0)
        states.append(BlockState(data.xpos[block.body].copy(), float(np.linalg.norm(velocity[3:])),
                                 len(touching.get(block.body, ())) == 2))
    return states


def facts(model, data, blocks: list[BlockView], bowls: list[BowlView], fingers) -> set[str]:
    """Every fact about named objects that holds now in the MuJoCo state, phrased as instructions."""
    states = block_states(model, data, blocks, fingers)
    return facts_of(blocks, states, bowls, [data.xpos[b.body][:2].copy() for b in bowls])


def facts_of(blocks: list[BlockView], states: list[BlockState], bowls: list[BowlView], bowl_xy: list[np.ndarray]) -> set[str]:
    """Every fact about named objects that holds for these block states and bowl centres, whatever the simulator."""
    true: set[str] = set()
    on_pairs: list[tuple[int, int]] = []
    for i, (block, state) in enumerate(zip(blocks, states)):
        resting = not state.held and state.speed < REST_SPEED
        if state.held and state.bottom(block.half) >= LIFT_HEIGHT and block.named:
            true.add(L.pick_instruction(block.color))
        for j, (other, below) in enumerate(zip(blocks, states)):
            if j != i and resting and _on(block, state, other, below):
                on_pairs.append((i, j))
                if block.named and other.named:
                    true.add(L.stack_instruction(block.color, other.color))
        for bowl, xy in zip(bowls, bowl_xy):
            if not (block.named and bowl.named and resting):
                continue
            offset = state.position[:2] - xy
            if np.linalg.norm(offset) < BOWL_INNER_RADIUS and state.bottom(block.half) < BOWL_HEIGHT:
                true.add(L.put_in_bowl_instruction(block.color, bowl.color))
            elif state.bottom(block.half) < 0.005:
                for direction, (ux, uy) in DIRECTION_VECTORS.items():
                    along = offset[0] * ux + offset[1] * uy
                    across = abs(offset[0] * uy - offset[1] * ux)
                    if RELATION_NEAR <= along <= RELATION_FAR and across <= RELATION_SIDE:
                        true.add(L.place_relative_instruction(block.size, block.color, direction, bowl.color))
    true.update(_towers(blocks, on_pairs))
    return true


def _on(top: BlockView, top_state: BlockState, bottom: BlockView, bottom_state: BlockState) -> bool:
    gap = top_state.bottom(top.half) - (bottom_state.position[2] + bottom.half)
    offset = np.abs(top_state.position[:2] - bottom_state.position[:2]).max()
    return abs(gap) < ON_TOLERANCE and offset < bottom.half


def _towers(blocks: list[BlockView], on_pairs: list[tuple[int, int]]) -> set[str]:
    """Tower facts: every chain of three or more named blocks, each on the one before, bottom first."""
    above = {j: i for i, j in on_pairs}
    below = {i for i, _ in on_pairs}
    towers = set()
    for base in range(len(blocks)):
        if base in below:
            continue
        chain = [base]
        while chain[-1] in above and len(chain) <= len(blocks):
            chain.append(above[chain[-1]])
        named = [blocks[k].color for k in chain if blocks[k].named]
        if len(chain) >= 3 and len(named) == len(chain):
            for end in range(3, len(chain) + 1):
                towers.add(L.tower_instruction(named[:end]))
    return towers
