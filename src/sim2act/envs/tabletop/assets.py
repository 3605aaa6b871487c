"""Where the Franka Panda model comes from: gymnasium-robotics' copy of Vikash Kumar's franka_sim.

The MJCF kinematic chain and the STL meshes ship in the ``gymnasium-robotics`` wheel under
``envs/assets/kitchen_franka/franka_assets`` (Apache-2.0, "Modified from github.com/vikashplus/franka";
the wheel itself is MIT). sim2act reads the files in place and never downloads anything. The package
is located without being imported: importing it would pull in its env registrations.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sim2act.errors import Sim2ActError

FRANKA_SUBDIR = Path("envs/assets/kitchen_franka/franka_assets")
LICENSE = "Apache-2.0 (franka_sim by Vikash Kumar, as shipped in gymnasium-robotics)"


def franka_assets() -> Path:
    """The folder holding ``chain.xml`` and ``meshes/`` of the Panda."""
    spec = importlib.util.find_spec("gymnasium_robotics")
    if spec is None or not spec.submodule_search_locations:
        raise Sim2ActError("the tabletop domain needs the gymnasium-robotics package (pip install gymnasium-robotics)")
    folder = Path(next(iter(spec.submodule_search_locations))) / FRANKA_SUBDIR
    if not (folder / "chain.xml").is_file():
        raise Sim2ActError(f"gymnasium-robotics is installed but ships no Franka model at {folder}")
    return folder
