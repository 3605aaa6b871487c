"""The Miniworld world a ``Layout`` describes (imported only when a nav3d env is built: it opens an OpenGL context)."""

from __future__ import annotations

import contextlib
import io

import numpy as np
from miniworld.entity import Ball, Box, Entity, Key
from miniworld.miniworld import MiniWorldEnv
from miniworld.params import DEFAULT_PARAMS
from pyglet import gl

from sim2act.envs.nav3d import textures
from sim2act.envs.nav3d.geometry import turn_to
from sim2act.envs.nav3d.levels import FOV_DEGREES, TEXTURES, Layout

FORWARD_STEP = 0.4
"""Metres a forward action moves the agent (Miniworld's default is 0.15: episodes here are shorter)."""
TURN_DEGREES = 30.0
"""Degrees a turn action turns the agent (Miniworld's default is 15)."""
FLOOR_TEXTURE, CEILING_TEXTURE = "floor_tiles_bw", "concrete_tiles"
"""Miniworld's defaults for every room."""
CAMERA_HEIGHT, CAMERA_PITCH = 1.2, -25.0
"""Metres above the floor and degrees below the horizon (Miniworld's 1.5 and 0 hide any object on the floor
closer than 2.6 m: the target vanished as the agent reached it)."""
BOX_SIZE = 0.6
BALL_SIZE = 0.6
DEPTH_NEAR, DEPTH_FAR = 0.04, 100.0
"""Miniworld's projection planes: its depth buffer decodes to metres with them."""


def nav_params(fov: float = FOV_DEGREES):
    """Miniworld's parameters with sim2act's step sizes and camera, and no randomisation of them."""
    params = DEFAULT_PARAMS.no_random()
    params.set("cam_fov_y", fov)  # square frames: the horizontal field of view is the vertical one
    params.set("forward_step", FORWARD_STEP)
    params.set("turn_step", TURN_DEGREES)
    params.set("cam_height", CAMERA_HEIGHT)
    params.set("cam_pitch", CAMERA_PITCH)
    return params


def make_entity(color: str, kind: str) -> Entity:
    if kind == "box":
        return Box(color, size=BOX_SIZE)
    if kind == "ball":
        return Ball(color, size=BALL_SIZE)
    return Key(color)


class NavWorld(MiniWorldEnv):
    """A Miniworld env built from a sim2act ``Layout`` instead of its own generator."""

    def __init__(self, image_size: int, max_steps: int, fov: float = FOV_DEGREES, slide: bool = False) -> None:
        self.layout: Layout | None = None
        self.slide = slide
        """Whether a blocked forward step slides along what blocks it (see ``move_agent``)."""
        self._static_list: int | None = None
        self.things: list[Entity] = []
        """The layout's objects as Miniworld entities, in the layout's order."""
        textures.preload((FLOOR_TEXTURE, CEILING_TEXTURE, *TEXTURES))
        with contextlib.redirect_stdout(io.StringIO()):  # Miniworld prints its multisampling fallback
            super().__init__(max_episode_steps=max_steps, obs_width=image_size, obs_height=image_size,
                             params=nav_params(fov), window_width=image_size, window_height=image_size)

    def build(self, layout: Layout, seed: int | None) -> np.ndarray:
        """Reset into ``layout``; the first camera frame."""
        self.layout = layout
        frame, _ = self.reset(seed=seed)
        return frame

    def _gen_world(self) -> None:
        if self.layout is None:  # Miniworld resets once while constructing: an empty room will do
            self.add_rect_room(min_x=0, max_x=4, min_z=0, max_z=4)
            self.place_agent(pos=np.array([2.0, 0.0, 2.0]), dir=0.0)
            return
        rooms = [
            self.add_rect_room(min_x=r.min_x, max_x=r.max_x, min_z=r.min_z, max_z=r.max_z, wall_tex=texture,
                               floor_tex=FLOOR_TEXTURE, ceil_tex=CEILING_TEXTURE)
            for r, texture in zip(self.layout.rooms, self.layout.wall_textures)
        ]
        for door in self.layout.doors:
            c = door.corridor
            span = {"min_z": c.min_z, "max_z": c.max_z} if door.along_x else {"min_x": c.min_x, "max_x": c.max_x}
            self.connect_rooms(rooms[door.a], rooms[door.b], max_y=2.2, **span)
        self.things = []
        for thing in self.layout.things:
            entity = make_entity(thing.color, thing.kind)
            self.things.append(self.place_entity(entity, pos=np.array([thing.x, 0.0, thing.z]), dir=0.0))
        x, z, heading = self.layout.agent
        self.place_agent(pos=np.array([x, 0.0, z]), dir=heading)

    def move_agent(self, fwd_dist, fwd_drift) -> bool:
        """Miniworld's step; with ``slide``, a step it rejects moves along what stopped it instead: the part of the
        step into an object's collision circle, or across a wall, is dropped and the rest is tried, again by
        Miniworld's step (a bumper robot following an obstacle; Habitat's ``allow_sliding``). A step straight into an
        obstacle stays blocked."""
        moved = super().move_agent(fwd_dist, fwd_drift)
        if moved or not self.slide:
            return moved
        forward, right = self.agent.dir_vec, self.agent.right_vec  # orthonormal: a floor vector is a step plus a drift
        for along in self._slides(forward * fwd_dist + right * fwd_drift):
            if np.linalg.norm(along) > 1e-6 and super().move_agent(float(along @ forward), float(along @ right)):
                return True
        return False

    def _slides(self, step: np.ndarray) -> list[np.ndarray]:
        """The step less its part into the object it would hit; for a wall (every wall here runs along x or z), its
        parts along x and along z, the longer first."""
        hit = self.intersect(self.agent, self.agent.pos + step, self.agent.radius)
        if isinstance(hit, Entity):
            normal = self.agent.pos - hit.pos
            normal[1] = 0.0
            normal /= max(float(np.linalg.norm(normal)), 1e-9)
            return [step - min(0.0, float(step @ normal)) * normal]
        along_x, along_z = step * np.array([1.0, 0.0, 0.0]), step * np.array([0.0, 0.0, 1.0])
        return sorted((along_x, along_z), key=lambda s: -float(np.linalg.norm(s)))

    # Miniworld compiles every env's walls into display list 1, and pyglet shares display lists between the
    # OpenGL contexts of one process: with several envs in a process (a vector of envs), one env drew another's
    # rooms. Each env here compiles into a list of its own; the drawing itself is Miniworld's.

    def _render_static(self) -> None:
        if self._static_list is None:
            self._static_list = gl.glGenLists(1)
        gl.glNewList(self._static_list, gl.GL_COMPILE)
        gl.glLightfv(gl.GL_LIGHT0, gl.GL_POSITION, (gl.GLfloat * 4)(*self.light_pos + [1]))
        gl.glLightfv(gl.GL_LIGHT0, gl.GL_AMBIENT, (gl.GLfloat * 4)(*self.light_ambient))
        gl.glLightfv(gl.GL_LIGHT0, gl.GL_DIFFUSE, (gl.GLfloat * 4)(*self.light_color))
        gl.glEnable(gl.GL_LIGHTING)
        gl.glEnable(gl.GL_LIGHT0)
        gl.glShadeModel(gl.GL_SMOOTH)
        gl.glEnable(gl.GL_COLOR_MATERIAL)
        gl.glColorMaterial(gl.GL_FRONT_AND_BACK, gl.GL_AMBIENT_AND_DIFFUSE)
        gl.glEnable(gl.GL_TEXTURE_2D)
        for room in self.rooms:
            room._render()
        for entity in self.entities:
            if entity.is_static:
                entity.render()
        gl.glEndList()

    def _render_world(self, frame_buffer, render_agent):
        gl.glCallList(self._static_list)
        for entity in self.entities:
            if not entity.is_static and entity is not self.agent:
                entity.render()
        if render_agent:
            self.agent.render()
        return frame_buffer.resolve()

    def close(self) -> None:
        if self._static_list is not None:
            gl.glDeleteLists(self._static_list, 1)
            self._static_list = None
        super().close()

    def depth(self) -> np.ndarray:
        """Metres from the camera, (H, W) float32, of the frame rendered last (no second render)."""
        return self.obs_fb.get_depth_map(DEPTH_NEAR, DEPTH_FAR)[..., 0].astype(np.float32)

    def reach(self, entity: Entity) -> float:
        """Centre distance within which the agent is "at" ``entity`` (Miniworld's ``near``)."""
        return entity.radius + self.agent.radius + 1.1 * self.max_forward_step

    def pose(self) -> tuple[float, float, float]:
        """The agent's position on the floor (x, z) and heading (radians, Miniworld's convention)."""
        return float(self.agent.pos[0]), float(self.agent.pos[2]), float(self.agent.dir)

    def heading_to(self, x: float, z: float) -> float:
        """Radians the agent must turn (positive: left) to face (x, z)."""
        return turn_to(self.pose(), (x, z))
