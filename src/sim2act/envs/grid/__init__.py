"""The grid-world domain: BabyAI levels from Farama MiniGrid."""

from sim2act.envs.domain import Domain, Grammar, Levels, Sensors, VisionDefaults
from sim2act.envs.grid.captions import grid_captions
from sim2act.envs.grid.env import GridEnv
from sim2act.envs.grid.expert import BabyAIExpert
from sim2act.envs.grid.instructions import replay_verdicts, subgoals
from sim2act.envs.grid.language import HELD_OUT_PAIRS, compositions, instruction_type
from sim2act.envs.grid.levels import DEFAULT_LEVEL, NAMED_LEVELS, PUBLISHED, SEQUENCE_LEVELS, resolve_level, variants
from sim2act.envs.grid.vocabulary import VOCABULARY
from sim2act.envs.registry import register_domain


def _vision(options) -> VisionDefaults:
    # Frames are the agent's 7×7-cell view, one cell per ``tile_size`` pixels: factored cell tokens.
    return VisionDefaults(stem="factored", patch_size=int(options.get("tile_size", 8)))


DOMAIN = Domain(
    name="grid",
    summary="BabyAI levels (Farama MiniGrid): egocentric RGB, discrete actions, BabyAI grammar",
    build=GridEnv,
    levels=Levels(
        named=NAMED_LEVELS,
        default=DEFAULT_LEVEL,
        resolve=resolve_level,
        variants=variants,
        sequence=SEQUENCE_LEVELS,
        published=PUBLISHED,
    ),
    grammar=Grammar(
        vocabulary=VOCABULARY,
        compositions=compositions,
        held_out=HELD_OUT_PAIRS,
        instruction_type=instruction_type,
        subgoals=subgoals,
    ),
    sensors=lambda options: Sensors(cameras=("rgb",), depth=(), proprio="proprio"),
    vision=_vision,
    captions=grid_captions,
    preview=True,
    expert=BabyAIExpert,
    replay=replay_verdicts,
    exact_state_keys=True,  # equal keys are equal states; some repeats are missed, none is invented
)
register_domain(DOMAIN)

__all__ = ["DOMAIN", "GridEnv"]
