"""The reward RL baselines learn from: the verifier's success, plus an optional distance-based shaping.

``reward="success"`` (the default): 1 on the step the instruction is verified, else 0 (sim2act itself
learns from ``info["success"]`` and ignores the reward). ``reward="shaped"``, the "reward engineering"
the proposal compares Sim2Act against: on top of the success reward, each step earns

    F = Φ(s′) − Φ(s),   Φ(s) = −(‖fingertips − subject‖ + ‖subject − goal‖) / SHAPING_SCALE,

potential-based shaping (Ng, Harada & Russell, ICML 1999), which leaves the optimal policy of the
episodic task unchanged. The subject is the block the instruction moves (for a tower, the block of
its first sub-goal not yet true), the goal the point it must reach: ``LIFT_GOAL`` above its start
(pick), the bowl's centre (put in bowl), the other block's top (stack), the middle of the verifier's
band beside the bowl (place relative); a tower adds ``SUBGOAL_POTENTIAL`` per sub-goal already true, so
finishing one is not undone by the jump to the next one's distances. In ``pick_place`` mode the arm is home after every primitive,
so only the subject's distance to its goal counts. Φ reads privileged state: it is the baseline's
reward, never an observation.
"""

from __future__ import annotations

import re

import numpy as np

from sim2act.envs.tabletop import language as L
from sim2act.envs.tabletop.predicates import DIRECTION_VECTORS, RELATION_MIDDLE
from sim2act.envs.tabletop.primitives import TIP_BELOW_SITE

REWARDS = ("success", "shaped")
SHAPING_SCALE = 0.1
"""Metres of distance worth one unit of reward (the success reward's size)."""
SUBGOAL_POTENTIAL = 3.0
"""Φ of each completed tower sub-goal (more than the distances a sub-goal's move spans)."""
LIFT_GOAL = 0.08
"""Height (m) above its resting centre that a ``pick`` goal asks of the block: clear of the verifier's lift."""


def potential(env) -> float:
    """Φ of the env's current state (0 when the instruction names no block the env holds)."""
    target = subject_and_goal(env)
    if target is None:
        return 0.0
    block, goal = target
    done = 0.0
    if L.instruction_type(env.layout.instruction) == "tower":
        facts = env.facts()
        done = SUBGOAL_POTENTIAL * sum(s in facts for s in L.subgoals(env.layout.instruction))
    position = env.body_position(block.body)
    distance = np.linalg.norm(position - goal)
    if env.action_mode != "pick_place":
        tips = env.controller.ee_position() - [0.0, 0.0, TIP_BELOW_SITE]
        distance += np.linalg.norm(tips - position)
    return done - float(distance) / SHAPING_SCALE


def subject_and_goal(env):
    """(the block view the instruction moves, the point it must reach), or None."""
    instruction = env.layout.instruction
    if L.instruction_type(instruction) == "tower":
        facts = env.facts()
        instruction = next((s for s in L.subgoals(instruction) if s not in facts), L.subgoals(instruction)[-1])
    subject, place = L.action_phrases(instruction)
    block = _block(env, subject)
    if block is None:
        return None
    kind = L.instruction_type(instruction)
    if kind == "pick":
        return block, env.start_positions[block.body] + [0.0, 0.0, LIFT_GOAL]
    if kind == "stack":
        below = _block(env, place)
        return None if below is None else (block, env.body_position(below.body) + [0.0, 0.0, below.half + block.half])
    bowl_color, direction = _bowl_and_direction(place or "")
    bowl = next((b for b in env.bowls if b.color == bowl_color), None)
    if bowl is None:
        return None
    goal = env.body_position(bowl.body)[:2].copy()
    if direction is not None:
        goal += RELATION_MIDDLE * np.asarray(DIRECTION_VECTORS[direction])
    return block, np.array([goal[0], goal[1], block.half])


def _block(env, phrase: str | None):
    color = phrase.removeprefix("the ").removesuffix(" block") if phrase else None
    return next((b for b in env.blocks if b.color == color), None)


_RELATION = re.compile(rf"^(?:to the )?({'|'.join(DIRECTION_VECTORS)}) the (\w+) bowl$")


def _bowl_and_direction(phrase: str) -> tuple[str | None, str | None]:
    """("blue", None) for "the blue bowl"; ("blue", "left of") for "to the left of the blue bowl"."""
    if match := _RELATION.match(phrase):
        return match[2], match[1]
    return phrase.removeprefix("the ").removesuffix(" bowl") or None, None
