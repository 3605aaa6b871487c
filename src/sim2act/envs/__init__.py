"""One environment API for every domain.

``make(domain, level, **options)`` returns a Gymnasium env whose observation is a dict of the
domain's sensors (``Domain.sensors``: one or more H×W×3 uint8 cameras, ``rgb`` first by convention,
optional H×W float32 depth per camera, a float32 ``proprio`` vector) and ``instruction`` (a ``Text``
entry), and whose ``info`` carries ``instruction``, ``success`` (the task verifier's verdict) and
``achieved`` on every step.
"""

from sim2act.envs import grid as _grid  # noqa: F401  (registers the grid domain)
from sim2act.envs import nav3d as _nav3d  # noqa: F401  (registers the 3D-navigation domain)
from sim2act.envs import tabletop as _tabletop  # noqa: F401  (registers the tabletop domain)
from sim2act.envs.options import parse_env_options
from sim2act.envs.registry import (
    Domain,
    action_space,
    check_env_options,
    domains,
    get_domain,
    gym_id,
    make,
    register_domain,
    registered_envs,
)

__all__ = [
    "Domain",
    "action_space",
    "check_env_options",
    "domains",
    "get_domain",
    "gym_id",
    "make",
    "parse_env_options",
    "register_domain",
    "registered_envs",
]
