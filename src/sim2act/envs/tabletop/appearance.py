"""Colours of the named objects, and the per-episode domain randomisation of the scene's looks and physics."""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

COLOR_RGB = {
    # CLIPort's palette (Tableau 10 shades), in 0–255.
    "blue": (78, 121, 167),
    "red": (255, 87, 89),
    "green": (89, 169, 79),
    "orange": (242, 142, 43),
    "yellow": (237, 201, 72),
    "purple": (176, 122, 161),
    "pink": (255, 157, 167),
    "cyan": (118, 183, 178),
    "brown": (156, 117, 95),
    "white": (255, 255, 255),
    "gray": (186, 176, 172),
}
TABLE_RGB = (0.30, 0.32, 0.35)
"""A dark slate table: no named colour (brown blocks on a wooden table would vanish)."""


@dataclass(frozen=True)
class Randomization:
    """Ranges of the per-episode randomisation (``randomize=True``); zero everywhere is no randomisation."""

    shade: float = 0.06
    """Each object's RGB moves by up to this (0–1 scale) within its named colour."""
    light: float = 0.25
    """Relative change of each light's brightness."""
    light_direction: float = 0.3
    """Each light's direction moves by up to this along each axis (then renormalised), as the twin's does."""
    ambient: float = 0.3
    """Relative change of the ambient light (the headlight's ambient term)."""
    camera_shift: float = 0.015
    """Metres the front camera moves along each axis."""
    camera_tilt: float = 0.03
    """Radians the front camera turns about each axis."""
    table_shade: float = 0.08
    """RGB change of the table top."""
    bowl_floor: float = 0.45
    """A bowl's floor is darkened by up to this fraction against its walls. Shadows are off here (for speed), so the
    shade a bowl's walls cast on its floor, which another renderer or a camera shows, is drawn instead."""
    friction: float = 0.25
    """Relative change of each block's sliding friction."""
    mass: float = 0.3
    """Relative change of each block's mass."""


def darkened(color: np.ndarray, rng: np.random.Generator | None, fraction: float) -> np.ndarray:
    """An RGBA with its RGB scaled by U(1 − fraction, 1) when an RNG is given."""
    if rng is None or fraction <= 0:
        return color
    return np.append(color[:3] * rng.uniform(1.0 - fraction, 1.0), color[3])


def rgba(color: str, rng: np.random.Generator | None, shade: float) -> np.ndarray:
    """The RGBA of a named colour, moved within ``shade`` when an RNG is given."""
    rgb = np.asarray(COLOR_RGB[color], np.float64) / 255.0
    if rng is not None and shade > 0:
        rgb = np.clip(rgb + rng.uniform(-shade, shade, 3), 0.0, 1.0)
    return np.append(rgb, 1.0)


class SceneLooks:
    """Remembers the model's nominal looks and physics, and re-draws them for each episode."""

    def __init__(self, model: mujoco.MjModel, table_geom: int, block_geoms: list[int], camera: int) -> None:
        self.model = model
        self.table_geom, self.block_geoms, self.camera = table_geom, block_geoms, camera
        self._light = model.light_diffuse.copy()
        self._light_dir = model.light_dir.copy()
        self._ambient = model.vis.headlight.ambient.copy()
        self._cam_pos, self._cam_quat = model.cam_pos[camera].copy(), model.cam_quat[camera].copy()
        self._friction = model.geom_friction[block_geoms, 0].copy()
        self.mass_scale = np.ones(len(block_geoms))
        """Factor on each pooled block's mass this episode (the env sizes blocks, so it applies it)."""

    def apply(self, rng: np.random.Generator | None, spec: Randomization) -> None:
        """Nominal looks when ``rng`` is None, else one random draw within ``spec``."""
        m = self.model
        m.light_diffuse[:] = self._light
        m.light_dir[:] = self._light_dir
        m.vis.headlight.ambient[:] = self._ambient
        m.cam_pos[self.camera], m.cam_quat[self.camera] = self._cam_pos, self._cam_quat
        m.geom_rgba[self.table_geom, :3] = TABLE_RGB
        m.geom_friction[self.block_geoms, 0] = self._friction
        self.mass_scale = np.ones(len(self.block_geoms))
        if rng is None:
            return
        m.light_diffuse[:] = self._light * rng.uniform(1 - spec.light, 1 + spec.light, (len(self._light), 1))
        turned = self._light_dir + rng.uniform(-spec.light_direction, spec.light_direction, self._light_dir.shape)
        m.light_dir[:] = turned / np.linalg.norm(turned, axis=1, keepdims=True)
        m.vis.headlight.ambient[:] = self._ambient * rng.uniform(1 - spec.ambient, 1 + spec.ambient)
        m.cam_pos[self.camera] = self._cam_pos + rng.uniform(-spec.camera_shift, spec.camera_shift, 3)
        turn, axis = np.zeros(4), rng.normal(size=3)
        mujoco.mju_axisAngle2Quat(turn, axis / np.linalg.norm(axis), float(rng.uniform(0, spec.camera_tilt)))
        mujoco.mju_mulQuat(m.cam_quat[self.camera], turn, self._cam_quat)
        m.geom_rgba[self.table_geom, :3] = np.clip(np.asarray(TABLE_RGB) + rng.uniform(-spec.table_shade, spec.table_shade, 3), 0, 1)
        m.geom_friction[self.block_geoms, 0] = self._friction * rng.uniform(1 - spec.friction, 1 + spec.friction, len(self._friction))
        self.mass_scale = rng.uniform(1 - spec.mass, 1 + spec.mass, len(self.block_geoms))
