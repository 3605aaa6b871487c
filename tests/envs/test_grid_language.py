"""instruction_type: BabyAI instructions classified by their grammar, checked against BabyAI's own parse."""

import gymnasium as gym
import minigrid  # noqa: F401  (registers the BabyAI levels)
import pytest
from minigrid.envs.babyai.core.verifier import GoToInstr, OpenInstr, PickupInstr, PutNextInstr, SeqInstr

from sim2act.envs.grid.language import INSTRUCTION_TYPES, instruction_type

EXPECTED_BY_CLASS = {GoToInstr: "go to", PickupInstr: "pick up", OpenInstr: "open", PutNextInstr: "put next to"}


def expected_type(instrs) -> str:
    """The type BabyAI's own instruction object implies."""
    if isinstance(instrs, SeqInstr):
        return "sequence"
    return EXPECTED_BY_CLASS[type(instrs)]


@pytest.mark.parametrize(
    "instruction, expected",
    [
        ("go to the red ball", "go to"),
        ("go to a door on your left", "go to"),
        ("pick up the purple key", "pick up"),
        ("pick up a ball in front of you", "pick up"),
        ("open the blue door", "open"),
        ("open a door behind you", "open"),
        ("put the red ball next to a blue key", "put next to"),
        ("put a key on your right next to the grey box", "put next to"),
        ("go to the red ball, then pick up a key", "sequence"),
        ("open a door after you pick up the green key", "sequence"),
        ("go to a box and open the yellow door", "sequence"),
        ("pick up a ball and go to a key, then put a box next to the red door", "sequence"),
        ("Go To The Red Ball", "go to"),
        ("dance", "other"),
        ("", "other"),
        ("go", "other"),
    ],
)
def test_literal_instructions(instruction, expected):
    assert instruction_type(instruction) == expected


@pytest.mark.parametrize(
    "level",
    ["BabyAI-GoToSeq-v0", "BabyAI-SynthSeq-v0", "BabyAI-GoToLocal-v0", "BabyAI-PutNextLocal-v0",
     "BabyAI-Open-v0", "BabyAI-PickupLoc-v0"],
)
def test_agrees_with_babyai_on_generated_instructions(level):
    env = gym.make(level)
    try:
        seen = set()
        for seed in range(8):
            env.reset(seed=seed)
            base = env.unwrapped
            kind = instruction_type(base.mission)
            assert kind in INSTRUCTION_TYPES and kind != "other"
            assert kind == expected_type(base.instrs), base.mission
            seen.add(kind)
    finally:
        env.close()
    if level == "BabyAI-GoToSeq-v0":
        assert "sequence" in seen
