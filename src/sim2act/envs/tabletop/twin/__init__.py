"""The tabletop's PyBullet twin (``sim2act.envs.make("tabletop", level, simulator="pybullet")``).

Another simulator for the same tasks: other physics, another robot model (pybullet_data's Panda URDF),
another renderer, the same levels, camera pose, observation and action API and verifier. Policies
trained in MuJoCo are measured here zero-shot and after a few-shot round (``sim2act bench transfer``).
"""

from sim2act.envs.tabletop.twin.env import TwinTabletopEnv

__all__ = ["TwinTabletopEnv"]
