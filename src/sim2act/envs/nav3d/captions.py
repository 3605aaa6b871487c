"""Captions of a nav3d state in its own grammar, read off the simulator's ground truth (the prior's data).

For every object, the captions are the instructions about it with how many actions they are from true:

- ``go to X``: 0 within reach of X (the verifier's success); otherwise, when X is in view, the turns to
  face it (30° each) plus the forward steps (0.4 m each) to come within reach, on an obstacle-free floor;
- ``pick up X``: 0 while carrying X; otherwise one more than going to it;
- ``go to the KIND next to the REF`` (where that describes exactly one object): as ``go to`` its object.

A caption whose subject is not in view (outside the camera's field of view, or behind a wall) has no step
count: the frame cannot tell. Its ``mention`` is the subject's noun phrase when in view or carried.
"""

from __future__ import annotations

import math

from sim2act.envs.captions import Caption
from sim2act.envs.nav3d import language as L
from sim2act.envs.nav3d.levels import in_view, next_to_targets
from sim2act.envs.nav3d.predicates import current_things


def nav3d_captions(env) -> list[Caption]:
    """Every caption of the current state of a nav3d env (a ``Nav3DEnv``, wrapped or not)."""
    env = env.unwrapped
    world, layout = env.world, env.layout
    pose = world.pose()
    things = current_things(world)
    carried = world.agent.carrying
    approach = {}
    for thing, entity in zip(things, world.things):
        if entity is carried:
            approach[thing] = (None, True)
        elif world.near(entity):
            approach[thing] = (0, True)
        elif in_view(pose, (thing.x, thing.z), layout.rooms, layout.doors, env.fov):
            approach[thing] = (_steps(world, entity), True)
        else:
            approach[thing] = (None, False)
    captions = []
    for thing, entity in zip(things, world.things):
        steps, seen = approach[thing]
        mention = thing.name if seen else ""
        captions.append(Caption(L.go_to(thing.color, thing.kind), None if entity is carried else steps, mention))
        pick = 0 if entity is carried else (None if steps is None else steps + 1)
        captions.append(Caption(L.pick_up(thing.color, thing.kind), pick, mention))
    on_floor = tuple(t for t, e in zip(things, world.things) if e is not carried)
    for (kind, color, ref_kind), target in sorted(next_to_targets(on_floor).items()):
        steps, seen = approach[target]
        captions.append(Caption(L.go_to_next_to(kind, color, ref_kind), steps, target.name if seen else ""))
    return captions


def _steps(world, entity) -> int:
    """Turns to face ``entity`` plus forward steps to come within reach, ignoring obstacles."""
    turn = math.radians(world.params.get_max("turn_step"))
    turns = round(abs(world.heading_to(entity.pos[0], entity.pos[2])) / turn)
    distance = math.dist((world.agent.pos[0], world.agent.pos[2]), (entity.pos[0], entity.pos[2]))
    forwards = max(0, math.ceil((distance - world.reach(entity)) / world.max_forward_step))
    return max(1, turns + forwards)
