"""The MuJoCo model of the tabletop: a Franka Panda, a table, pools of blocks and bowls, cameras.

The model is compiled once per env with every object it may need (``MAX_BLOCKS`` blocks, ``MAX_BOWLS``
bowls); an episode sizes the blocks it uses (``size_block``) and parks the rest far from the table,
floating (gravity compensated) and out of every camera's view. Compiling per episode would reload
the meshes each reset, and a pool per block size would add free joints that every physics step pays for.

Rendering cost decides how the arm is drawn. EGL here is Mesa's software rasteriser, and the Panda's
visual meshes (~136K triangles) cost ~20 ms a frame, so the arm is drawn with its convex collision
hulls (a few hundred triangles a link) in the Franka's off-white, the hand and fingers in grey: it reads
as a smooth, slightly faceted Panda. Shadows and reflections are off.
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

from sim2act.envs.tabletop.assets import franka_assets
from sim2act.envs.tabletop.workspace import (
    BLOCK_HALF_SIZES,
    BOWL_HEIGHT,
    BOWL_INNER_RADIUS,
    BOWL_WALL,
    CAMERA_FOVY,
    CAMERA_LOOKAT,
    CAMERA_POS,
    MAX_BLOCKS,
    MAX_BOWLS,
    PARK_X,
)

TIMESTEP = 0.004
"""Physics step (s): the implicit-fast integrator holds the Panda's stiff position servos stable at 4 ms."""
FINGER_JOINTS = ("robot:panda0_finger_joint1", "robot:panda0_finger_joint2")
ARM_JOINTS = tuple(f"robot:panda0_joint{i}" for i in range(1, 8))
HAND_BODY = "panda0_link7"
EE_SITE = "end_effector"
FRONT_CAMERA, WRIST_CAMERA = "front", "wrist"
WRIST_FORCE, WRIST_TORQUE = "wrist_force", "wrist_torque"

_LINKS = ("link0", "link1", "link2", "link3", "link4", "link5", "link6", "link7", "hand", "finger")


@dataclass(frozen=True)
class SceneIds:
    """MuJoCo ids the env, its controller and its verifier look up once."""

    arm_qpos: np.ndarray
    arm_dofs: np.ndarray
    finger_qpos: np.ndarray
    ee_site: int
    blocks: list[int]
    """Body ids of the block pool (each episode sizes the ones it uses)."""
    block_geoms: list[int]
    block_qpos: list[int]
    """qpos address of each block's free joint."""
    bowls: list[int]
    bowl_geoms: list[list[int]]
    bowl_floors: list[int]
    """Geom id of each bowl's floor (its base, among ``bowl_geoms``)."""
    fingers: tuple[int, int]
    """Body ids of the two fingers (a grasp touches both)."""
    table_geom: int


def _block_xml(index: int) -> str:
    name, half = f"block_{index}", max(BLOCK_HALF_SIZES.values())
    x, y = PARK_X + 0.2 * index, 3.0
    return (
        f'<body name="{name}" pos="{x} {y} 1" gravcomp="1"><freejoint name="{name}"/>'
        f'<geom name="{name}" type="box" size="{half} {half} {half}" mass="{BLOCK_MASS}" rgba="1 0 0 1" conaffinity="3" '
        f'friction="1.2 0.01 0.001" condim="4" solref="0.004 1"/></body>'
    )


def _bowl_xml(index: int) -> str:
    name = f"bowl_{index}"
    segments, parts = 12, []
    parts.append(f'<geom name="{name}_base" type="cylinder" size="{BOWL_INNER_RADIUS + BOWL_WALL} 0.004" pos="0 0 0.004"/>')
    for k in range(segments):
        angle = 2 * np.pi * k / segments
        r = BOWL_INNER_RADIUS + BOWL_WALL / 2
        half_len = (BOWL_INNER_RADIUS + BOWL_WALL) * np.tan(np.pi / segments) + 0.001
        parts.append(
            f'<geom name="{name}_wall{k}" type="box" size="{BOWL_WALL / 2} {half_len:.4f} {BOWL_HEIGHT / 2}" '
            f'pos="{r * np.cos(angle):.4f} {r * np.sin(angle):.4f} {BOWL_HEIGHT / 2}" euler="0 0 {angle:.4f}"/>'
        )
    return f'<body name="{name}" pos="{PARK_X + 0.3 * index} -3 0">{"".join(parts)}</body>'


def scene_xml() -> str:
    """The MJCF of the whole scene (the Panda's chain is included from gymnasium-robotics' files)."""
    assets = franka_assets()
    meshes = "".join(
        f'<mesh name="{link}_col" file="{assets}/meshes/collision/{link}.stl"/>'
        f'<mesh name="{link}_viz" file="{assets}/meshes/collision/{link}.stl"/>'
        for link in _LINKS if link != "finger"
    ) + "".join(
        f'<mesh name="finger_{kind}" file="{assets}/meshes/collision/finger.stl" scale="1.75 1.0 1.75"/>'
        for kind in ("col", "viz")
    )
    blocks = "".join(_block_xml(i) for i in range(MAX_BLOCKS))
    bowls = "".join(_bowl_xml(i) for i in range(MAX_BOWLS))
    cam = np.asarray(CAMERA_POS)
    forward = np.asarray(CAMERA_LOOKAT) - cam
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, [0, 0, 1.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    xyaxes = " ".join(f"{v:.5f}" for v in (*right, *up))
    return f"""
<mujoco model="sim2act_tabletop">
  <compiler angle="radian" autolimits="true"/>
  <option timestep="{TIMESTEP}" integrator="implicitfast" cone="elliptic" impratio="5"/>
  <size nuser_actuator="5"/>
  <visual><quality shadowsize="0" numslices="10" numstacks="4" numquads="1" offsamples="0"/>
    <headlight ambient=".25 .25 .25" diffuse=".2 .2 .2" specular="0 0 0"/><global offwidth="256" offheight="256"/><map znear="0.01" zfar="4"/></visual>
  <asset>
    {meshes}
    
    
  </asset>
  <default>
    <default class="panda">
      <joint pos="0 0 0" axis="0 0 1" limited="true"/>
      <position forcelimited="true" ctrllimited="true"/>
      <default class="panda_viz"><geom contype="0" conaffinity="0" group="2" type="mesh" rgba=".93 .93 .90 1" mass="0"/></default>
      <default class="panda_col"><geom contype="2" conaffinity="0" group="3" type="mesh"/></default>
      <default class="panda_arm"><joint damping="100" armature="0.1"/></default>
      <default class="panda_forearm"><joint damping="15" armature="0.1"/></default>
      <default class="panda_finger">
        <joint damping="4" armature="0.05"/>
        <geom friction="1.5 0.02 0.001" solref="0.004 1" solimp="0.95 0.99 0.001" margin="0.001" rgba=".35 .35 .38 1"
              contype="1" conaffinity="0" condim="4" group="3"/>
      </default>
    </default>
  </default>
  <worldbody>
    <light directional="true" diffuse=".45 .45 .45" specular="0 0 0" pos="0.5 0 2" dir="0 0 -1" castshadow="false"/>
    <light directional="true" diffuse=".15 .15 .15" specular="0 0 0" pos="1.5 0 1" dir="-1 0 -0.7" castshadow="false"/>
    <geom name="table" type="box" size="0.55 0.5 0.02" pos="0.45 0 -0.02" rgba=".30 .32 .35 1" friction="1 0.01 0.001"/>
    <camera name="{FRONT_CAMERA}" pos="{cam[0]} {cam[1]} {cam[2]}" xyaxes="{xyaxes}" fovy="{CAMERA_FOVY}"/>
    <include file="{assets}/chain.xml"/>
    {blocks}
    {bowls}
  </worldbody>
  <equality>
    <!-- The Panda's fingers are mechanically coupled: they close symmetrically and centre what they grasp. -->
    <joint joint1="{FINGER_JOINTS[0]}" joint2="{FINGER_JOINTS[1]}" polycoef="0 1 0 0 0" solref="0.005 1"/>
  </equality>
  <actuator>
    <position name="joint1" joint="robot:panda0_joint1" class="panda" kp="3000" forcerange="-870 870" ctrlrange="-2.9671 2.9671"/>
    <position name="joint2" joint="robot:panda0_joint2" class="panda" kp="3000" forcerange="-870 870" ctrlrange="-1.8326 1.8326"/>
    <position name="joint3" joint="robot:panda0_joint3" class="panda" kp="3000" forcerange="-870 870" ctrlrange="-2.9671 2.9671"/>
    <position name="joint4" joint="robot:panda0_joint4" class="panda" kp="3000" forcerange="-870 870" ctrlrange="-3.1416 0.0"/>
    <position name="joint5" joint="robot:panda0_joint5" class="panda" kp="500" forcerange="-120 120" ctrlrange="-2.9671 2.9671"/>
    <position name="joint6" joint="robot:panda0_joint6" class="panda" kp="500" forcerange="-120 120" ctrlrange="-3.7525 2.1817"/>
    <position name="joint7" joint="robot:panda0_joint7" class="panda" kp="500" forcerange="-120 120" ctrlrange="-2.9671 2.9671"/>
    <position name="finger1" joint="{FINGER_JOINTS[0]}" class="panda_finger" kp="300" forcerange="-40 40" ctrlrange="0 0.04"/>
    <position name="finger2" joint="{FINGER_JOINTS[1]}" class="panda_finger" kp="300" forcerange="-40 40" ctrlrange="0 0.04"/>
  </actuator>
</mujoco>
"""


def build_model(wrist_camera: bool = False, force_torque: bool = False) -> mujoco.MjModel:
    """Compile the scene; optionally with a camera and a force-torque sensor on the Panda's wrist."""
    spec = mujoco.MjSpec.from_string(scene_xml())
    for body in spec.bodies:
        if body.name.startswith("panda0_"):
            body.gravcomp = 1.0  # as the Panda's own controller compensates gravity: the servos only track
    hand = spec.body(HAND_BODY)
    if wrist_camera:
        # Behind the fingers, looking down along the gripper's approach axis.
        hand.add_camera(name=WRIST_CAMERA, pos=[0.0, -0.07, 0.13], quat=[0.0, 1.0, 0.0, 0.0], fovy=70)
    if force_torque:
        hand.add_site(name="wrist_ft", pos=[0.0, 0.0, 0.107], size=[0.005, 0.0, 0.0])
        spec.add_sensor(name=WRIST_FORCE, type=mujoco.mjtSensor.mjSENS_FORCE, objtype=mujoco.mjtObj.mjOBJ_SITE,
                        objname="wrist_ft")
        spec.add_sensor(name=WRIST_TORQUE, type=mujoco.mjtSensor.mjSENS_TORQUE, objtype=mujoco.mjtObj.mjOBJ_SITE,
                        objname="wrist_ft")
    return spec.compile()


def scene_ids(model: mujoco.MjModel) -> SceneIds:
    """Look up the ids the env needs in a compiled scene."""
    def joint(name: str) -> int:
        return mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, name)

    def body(name: str) -> int:
        return mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, name)

    def geom(name: str) -> int:
        return mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_GEOM, name)

    arm = [joint(n) for n in ARM_JOINTS]
    blocks = [body(f"block_{i}") for i in range(MAX_BLOCKS)]
    bowls = [body(f"bowl_{i}") for i in range(MAX_BOWLS)]
    return SceneIds(
        arm_qpos=np.array([model.jnt_qposadr[j] for j in arm]),
        arm_dofs=np.array([model.jnt_dofadr[j] for j in arm]),
        finger_qpos=np.array([model.jnt_qposadr[joint(n)] for n in FINGER_JOINTS]),
        ee_site=mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, EE_SITE),
        blocks=blocks,
        block_geoms=[geom(f"block_{i}") for i in range(MAX_BLOCKS)],
        block_qpos=[int(model.jnt_qposadr[joint(f"block_{i}")]) for i in range(MAX_BLOCKS)],
        bowls=bowls,
        bowl_geoms=[[g for g in range(model.ngeom) if model.geom_bodyid[g] == b] for b in bowls],
        bowl_floors=[geom(f"bowl_{i}_base") for i in range(MAX_BOWLS)],
        fingers=(body("panda0_leftfinger"), body("panda0_rightfinger")),
        table_geom=geom("table"),
    )


BLOCK_MASS = 0.05
"""kg, whatever the size (CLIPort's blocks weigh the same)."""


def size_block(model: mujoco.MjModel, body: int, geom: int, half: float, mass: float = BLOCK_MASS) -> None:
    """Make a pooled block a cube of half-side ``half``: geometry, bounds for collision, mass and inertia."""
    model.geom_size[geom] = half
    model.geom_rbound[geom] = half * np.sqrt(3.0)
    model.geom_aabb[geom] = [0.0, 0.0, 0.0, half, half, half]
    model.body_mass[body] = mass
    model.body_inertia[body] = mass * (2 * half) ** 2 / 6.0
