"""``build_tabletop``: the tabletop env of a level in MuJoCo (the default) or in its PyBullet twin."""

from __future__ import annotations

import gymnasium as gym

from sim2act.envs.tabletop.env import TabletopEnv
from sim2act.errors import Sim2ActError

SIMULATORS = ("mujoco", "pybullet")


def build_tabletop(
    level: str,
    simulator: str = "mujoco",
    action_mode: str = "pick_place",
    image_size: int = 64,
    wrist_camera: bool = False,
    force_torque: bool = False,
    randomize: bool = False,
    caption_colors: str = "named",
    reward: str = "success",
    render_mode: str | None = None,
) -> gym.Env:
    """``TabletopEnv`` (``simulator="mujoco"``) or ``TwinTabletopEnv`` (``"pybullet"``), with the same options."""
    options = {"action_mode": action_mode, "image_size": image_size, "randomize": randomize,
               "caption_colors": caption_colors, "reward": reward, "render_mode": render_mode}
    if simulator == "mujoco":
        return TabletopEnv(level, wrist_camera=wrist_camera, force_torque=force_torque, **options)
    if simulator == "pybullet":
        if wrist_camera or force_torque:
            raise Sim2ActError("the pybullet twin has no wrist camera and no force-torque sensor; drop those options")
        from sim2act.envs.tabletop.twin import TwinTabletopEnv  # pybullet is imported only for the twin

        return TwinTabletopEnv(level, **options)
    raise Sim2ActError(f"unknown simulator {simulator!r}; known: {', '.join(SIMULATORS)}")
