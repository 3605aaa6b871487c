"""The nav3d label-quality diagnostics (benchmarks/nav3d_label_quality.py, a script outside the package)."""

import importlib.util
import sys
from pathlib import Path

import pytest

from sim2act.envs import make
from sim2act.envs.nav3d.env import ACTION_NAMES

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "nav3d_label_quality.py"
LEFT, RIGHT, FORWARD = (ACTION_NAMES.index(a) for a in ("turn_left", "turn_right", "forward"))


@pytest.fixture(scope="module")
def quality():
    spec = importlib.util.spec_from_file_location("nav3d_label_quality", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up by name
    spec.loader.exec_module(module)
    return module


def test_a_zigzag_is_a_turn_a_step_and_the_opposite_turn(quality):
    assert quality.zigzags([LEFT, FORWARD, RIGHT, FORWARD, LEFT]) == 2
    assert quality.zigzags([LEFT, FORWARD, LEFT, FORWARD, FORWARD]) == 0  # turning on the same way is no zigzag
    assert quality.zigzags([LEFT, RIGHT, FORWARD]) == 0


def test_only_a_turn_that_widens_the_bearing_turns_away(quality):
    assert quality.turns_away(0.1, -0.4, RIGHT)
    assert not quality.turns_away(0.4, -0.1, RIGHT)  # overshoots, but closer to the heading
    assert not quality.turns_away(0.1, 0.4, FORWARD)


def test_the_expert_from_a_start_turns_away_rarely_and_reaches_its_target(quality):
    env = make("nav3d", "goto", fov=90)
    stats = quality.PathStats()
    for seed in range(6):
        env.reset(seed=seed)
        assert quality.follow(env, seed, env.unwrapped.layout.instruction, quality.expert_actions, stats), seed
    env.close()
    assert len(stats.lengths) == 6 and max(stats.lengths) < quality.EXPERT_STEPS
    assert stats.turn_away_share <= 0.2 and stats.zigzags_per_episode <= 0.5
