"""Headless RGB-D rendering of the tabletop's cameras: one OpenGL pass gives colour and metric depth.

Rendering is headless through EGL (Mesa's llvmpipe on a machine without a GPU) unless ``MUJOCO_GL``
names another backend. The EGL context is made directly, so it works even when the user's program
imported ``mujoco`` (which reads ``MUJOCO_GL`` once) before sim2act. Shadows, reflections and
multisampling are off in the model (``scene.py``): on a software rasteriser they multiply a frame's cost.
"""

from __future__ import annotations

import importlib
import os

import mujoco
import numpy as np

_BACKENDS = {"egl": "mujoco.egl", "osmesa": "mujoco.osmesa", "glfw": "mujoco.glfw"}


def _gl_context(width: int, height: int):
    backend = os.environ.get("MUJOCO_GL", "egl").lower()
    module = importlib.import_module(_BACKENDS.get(backend, "mujoco.egl"))
    return module.GLContext(width, height)


class CameraRenderer:
    """Renders named cameras of one model at ``height`` × ``width`` into uint8 RGB and float32 depth (m)."""

    def __init__(self, model: mujoco.MjModel, height: int, width: int) -> None:
        self.model, self.height, self.width = model, height, width
        self._gl = _gl_context(max(width, 1), max(height, 1))
        self._gl.make_current()
        self._scene = mujoco.MjvScene(model, maxgeom=256)
        self._option = mujoco.MjvOption()
        self._perturb = mujoco.MjvPerturb()
        self._camera = mujoco.MjvCamera()
        self._camera.type = mujoco.mjtCamera.mjCAMERA_FIXED
        self._context = mujoco.MjrContext(model, mujoco.mjtFontScale.mjFONTSCALE_150)
        mujoco.mjr_setBuffer(mujoco.mjtFramebuffer.mjFB_OFFSCREEN, self._context)
        self._viewport = mujoco.MjrRect(0, 0, width, height)
        extent = model.stat.extent
        self._near, self._far = model.vis.map.znear * extent, model.vis.map.zfar * extent

    def render(self, data: mujoco.MjData, camera: str) -> tuple[np.ndarray, np.ndarray]:
        """(RGB (H, W, 3) uint8, depth (H, W) float32 in metres along the optical axis) of ``camera``."""
        self._gl.make_current()
        self._camera.fixedcamid = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_CAMERA, camera)
        mujoco.mjv_updateScene(self.model, data, self._option, self._perturb, self._camera,
                               mujoco.mjtCatBit.mjCAT_ALL, self._scene)
        mujoco.mjr_render(self._viewport, self._scene, self._context)
        rgb = np.empty((self.height, self.width, 3), np.uint8)
        buffer = np.empty((self.height, self.width), np.float32)
        mujoco.mjr_readPixels(rgb, buffer, self._viewport, self._context)
        # OpenGL's rows run bottom-up; its depth buffer holds 1/z mapped to [0, 1] between the clip planes.
        depth = np.minimum(self._near / (1.0 - buffer * (1.0 - self._near / self._far)), self._far)
        return np.ascontiguousarray(rgb[::-1]), np.ascontiguousarray(depth[::-1])

    def close(self) -> None:
        if self._gl is not None:
            self._context.free()
            self._gl.free()
            self._gl = None
