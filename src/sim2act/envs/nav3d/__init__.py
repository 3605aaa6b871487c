"""The 3D-navigation domain: Farama Miniworld rooms with language instructions.

Miniworld (and pyglet, its OpenGL binding) is imported only when an env is built (``world``): it opens an
OpenGL context, so listing or describing the domain needs no graphics at all. The context is headless,
through EGL: a user needs no display and no xvfb.
"""

import os

os.environ["PYGLET_HEADLESS"] = "true"  # read when pyglet is first imported, which is always after this

from sim2act import features as F
from sim2act.envs.domain import Domain, Grammar, Levels, ObjectViews, Sensors, VisionDefaults
from sim2act.envs.nav3d.captions import nav3d_captions
from sim2act.envs.nav3d.env import DEPTH_LIMIT, OBJECT_PARTS, OBJECT_SLOTS, VIEW_BINS, Nav3DEnv
from sim2act.envs.nav3d.expert import Nav3DExpert
from sim2act.envs.nav3d.language import (
    HELD_OUT_PAIRS,
    VOCABULARY,
    compositions,
    instruction_type,
    subgoals,
    target_object,
)
from sim2act.envs.nav3d.levels import DEFAULT_LEVEL, NAMED_LEVELS, PUBLISHED, SEQUENCE_LEVELS, resolve_level, variants
from sim2act.envs.nav3d.steering import steer_toward
from sim2act.envs.registry import register_domain
from sim2act.envs.replay import replay_verdicts


def _sensors(options) -> Sensors:
    depth = (F.DEPTH,) if options.get("depth", True) else ()
    return Sensors(cameras=(F.RGB,), depth=depth, depth_range=(0.0, 12.0), proprio=F.PROPRIO)


DOMAIN = Domain(
    name="nav3d",
    summary="Farama Miniworld rooms: first-person RGB-D, discrete turns and steps, go-to / pick-up / sequence instructions",
    build=Nav3DEnv,
    levels=Levels(
        named=NAMED_LEVELS,
        default=DEFAULT_LEVEL,
        resolve=resolve_level,
        variants=variants,
        sequence=SEQUENCE_LEVELS,
        published=PUBLISHED,
    ),
    grammar=Grammar(
        vocabulary=VOCABULARY,
        compositions=compositions,
        held_out=HELD_OUT_PAIRS,
        instruction_type=instruction_type,
        subgoals=subgoals,
    ),
    sensors=_sensors,
    vision=lambda options: VisionDefaults(stem="patch", patch_size=8),  # camera images, not a grid of cells
    captions=nav3d_captions,
    preview=True,
    expert=Nav3DExpert,
    replay=replay_verdicts,
    exact_state_keys=True,  # turns of 30° and steps of 0.4 m bring a pose back exactly (up to rounding): loop erasure
    steer=steer_toward,
    object_views=ObjectViews(slots=OBJECT_SLOTS, parts=OBJECT_PARTS, bins=VIEW_BINS, target=target_object),
)
register_domain(DOMAIN)

__all__ = ["DEPTH_LIMIT", "DOMAIN", "Nav3DEnv"]
