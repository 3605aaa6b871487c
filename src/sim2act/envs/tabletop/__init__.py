"""The tabletop domain: a Franka Panda in MuJoCo with CLIPort-style language tasks."""

import os

os.environ.setdefault("MUJOCO_GL", "egl")  # headless; must precede the first ``import mujoco``

from sim2act import features as F  # noqa: E402
from sim2act.envs.domain import Domain, Grammar, Levels, Sensors, VisionDefaults  # noqa: E402
from sim2act.envs.registry import register_domain  # noqa: E402
from sim2act.envs.tabletop.build import build_tabletop  # noqa: E402
from sim2act.envs.tabletop.captions import tabletop_captions  # noqa: E402
from sim2act.envs.tabletop.cell_motion import tabletop_cell_motions  # noqa: E402
from sim2act.envs.tabletop.env import WRIST_DEPTH, WRIST_RGB, TabletopEnv  # noqa: E402
from sim2act.envs.tabletop.expert import TabletopExpert  # noqa: E402
from sim2act.envs.tabletop.language import HELD_OUT_PAIRS, VOCABULARY, action_phrases, compositions, instruction_type, subgoals  # noqa: E402
from sim2act.envs.tabletop.levels import DEFAULT_LEVEL, NAMED_LEVELS, PUBLISHED, SEQUENCE_LEVELS, resolve_level, variants  # noqa: E402
from sim2act.envs.tabletop.regions import tabletop_regions  # noqa: E402
from sim2act.envs.replay import replay_verdicts  # noqa: E402
from sim2act.envs.tabletop.workspace import DEPTH_RANGE, cell_pixels  # noqa: E402

_CELL_PIXELS = cell_pixels()


def _sensors(options) -> Sensors:
    wrist = bool(options.get("wrist_camera", False))
    return Sensors(
        cameras=(F.RGB, WRIST_RGB) if wrist else (F.RGB,),
        depth=(F.DEPTH, WRIST_DEPTH) if wrist else (F.DEPTH,),
        depth_range=DEPTH_RANGE,
        proprio=F.PROPRIO,
    )


def _vision(options) -> VisionDefaults:
    # Camera images, not a grid of cells: patch tokens. Pick-and-place cells are scored from those tokens.
    if options.get("action_mode", "pick_place") != "pick_place":
        return VisionDefaults(stem="patch", patch_size=8)
    return VisionDefaults(stem="patch", patch_size=8, action_head="pick_place", cell_pixels=_CELL_PIXELS)


DOMAIN = Domain(
    name="tabletop",
    summary="Franka Panda in MuJoCo (CLIPort-style tasks; a PyBullet twin): RGB-D camera, pick-and-place cells or 10-Hz end-effector deltas",
    build=build_tabletop,
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
        action_phrases=action_phrases,
    ),
    sensors=_sensors,
    vision=_vision,
    captions=tabletop_captions,
    regions=tabletop_regions,
    cell_motions=tabletop_cell_motions,
    preview=True,
    expert=TabletopExpert,
    replay=replay_verdicts,
    exact_state_keys=False,  # continuous physics: no two states are known equal, so no loop erasure
    twin={"simulator": "pybullet"},
)
register_domain(DOMAIN)

__all__ = ["DOMAIN", "TabletopEnv"]
