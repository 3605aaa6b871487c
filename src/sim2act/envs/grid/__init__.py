"""The grid-world domain: BabyAI levels from Farama MiniGrid."""

from sim2act.envs.grid.captions import grid_captions
from sim2act.envs.grid.env import GridEnv
from sim2act.envs.grid.language import compositions, instruction_type
from sim2act.envs.grid.levels import NAMED_LEVELS, resolve_level
from sim2act.envs.grid.vocabulary import VOCABULARY
from sim2act.envs.registry import Domain, register_domain

DOMAIN = Domain(
    name="grid",
    summary="BabyAI levels (Farama MiniGrid): egocentric RGB, discrete actions, BabyAI grammar",
    build=GridEnv,
    named_levels=NAMED_LEVELS,
    resolve_level=resolve_level,
    compositions=compositions,
    vocabulary=VOCABULARY,
    instruction_type=instruction_type,
    captions=grid_captions,
)
register_domain(DOMAIN)

__all__ = ["DOMAIN", "GridEnv"]
