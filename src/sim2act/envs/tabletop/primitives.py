"""The ``pick_place`` primitive: the Panda picks at one workspace cell and places at another.

Like CLIPort's primitives, heights come from a depth probe of the two cells (a ray straight down,
as a heightmap would give), never from object state: approach above the pick cell at travel height,
descend until the fingertips are ``GRASP_DEPTH`` below the top surface there, close, lift, carry,
descend until the fingertips are ``GRASP_DEPTH`` + ``PLACE_CLEARANCE`` above the surface at the place
cell, open, rise and return home. Every motion is the servos tracking interpolated joint targets,
physics step by physics step; an object moves only by contact and friction with the fingers.
"""

from __future__ import annotations

from collections.abc import Callable

import mujoco
import numpy as np

from sim2act.envs.tabletop.controller import GRIPPER_CLOSED, ArmController
from sim2act.envs.tabletop.workspace import cell_xy

TIP_BELOW_SITE = 0.05
"""Fingertips hang this far below the end-effector site when the gripper points down (m)."""
GRASP_DEPTH = 0.02
MIN_TIP_HEIGHT = 0.004
"""Lowest fingertip height (m) of a grasp: just clear of the table."""
PLACE_CLEARANCE = 0.006
TRAVEL_HEIGHT = 0.24
"""Fingertip height (m) while carrying: clears a four-block tower."""
OPEN = 0.03
"""Finger opening (m each) during the primitive: 6 cm between the pads, clear of a neighbouring object one cell away."""
PROBE_TOP = 0.5
_PROBE_GROUPS = np.array([1, 1, 0, 0, 0, 0], np.uint8)
"""Geom groups the height probe sees: the scene (0, 1), not the arm (2: drawn hulls, 3: collision)."""

SECONDS = {"approach": 0.35, "descend": 0.25, "settle": 0.06, "close": 0.2, "grip": 0.08, "lift": 0.25, "carry": 0.35,
           "lower": 0.25, "open": 0.12, "rise": 0.15, "home": 0.3}
"""Duration of each phase of the primitive (s); about 2.4 s of robot time in all (shorter ones drop blocks)."""


def surface_height(model: mujoco.MjModel, data: mujoco.MjData, xy: np.ndarray) -> float:
    """Height of the first surface straight below ``xy`` (the table top is 0)."""
    geom = np.zeros(1, np.int32)
    distance = mujoco.mj_ray(model, data, np.array([xy[0], xy[1], PROBE_TOP]), np.array([0.0, 0.0, -1.0]),
                             _PROBE_GROUPS, 1, -1, geom)
    return 0.0 if distance < 0 else max(0.0, PROBE_TOP - distance)


def gripper_at(xy: np.ndarray, tip_height: float) -> np.ndarray:
    """The end-effector site position that puts the fingertips at ``tip_height`` above ``xy``."""
    return np.array([xy[0], xy[1], tip_height + TIP_BELOW_SITE])


def grasp_tip_height(top: float) -> float:
    """Fingertip height of a grasp of an object whose top is at ``top``: ``GRASP_DEPTH`` down, never into the table."""
    return max(top - GRASP_DEPTH, MIN_TIP_HEIGHT)


def pick_and_place(
    controller: ArmController, pick: int, place: int, after_lift: Callable[[], None],
    surface: Callable[[np.ndarray], float] | None = None,
) -> None:
    """Run the primitive from the home pose back to it; ``after_lift`` is called while the object is held up.

    ``controller`` moves the end-effector site (``move_to``, ``hold``, ``go_home``: the MuJoCo ``ArmController`` or
    the PyBullet twin's arm); ``surface(xy)`` probes the height below a point (default: MuJoCo's ray).
    """
    if surface is None:
        model, data = controller.model, controller.data
        surface = lambda xy: surface_height(model, data, xy)
    pick_xy, place_xy = cell_xy(pick), cell_xy(place)
    pick_top, place_top = surface(pick_xy), surface(place_xy)

    grasp_tip = grasp_tip_height(pick_top)
    release_tip = place_top + GRASP_DEPTH + PLACE_CLEARANCE
    controller.move_to(gripper_at(pick_xy, TRAVEL_HEIGHT), OPEN, SECONDS["approach"])
    controller.move_to(gripper_at(pick_xy, grasp_tip), OPEN, SECONDS["descend"])
    controller.hold(SECONDS["settle"])
    controller.move_to(gripper_at(pick_xy, grasp_tip), GRIPPER_CLOSED, SECONDS["close"])
    controller.hold(SECONDS["grip"])
    controller.move_to(gripper_at(pick_xy, TRAVEL_HEIGHT), GRIPPER_CLOSED, SECONDS["lift"])
    after_lift()
    controller.move_to(gripper_at(place_xy, TRAVEL_HEIGHT), GRIPPER_CLOSED, SECONDS["carry"])
    controller.move_to(gripper_at(place_xy, release_tip), GRIPPER_CLOSED, SECONDS["lower"])
    controller.hold(SECONDS["settle"])
    controller.move_to(gripper_at(place_xy, release_tip), OPEN, SECONDS["open"])
    controller.move_to(gripper_at(place_xy, TRAVEL_HEIGHT), OPEN, SECONDS["rise"])
    controller.go_home(OPEN, SECONDS["home"])
