"""The nav3d failure diagnostics' geometry (benchmarks/nav3d_failures.py, a script outside the package)."""

import importlib.util
import math
from pathlib import Path
from types import SimpleNamespace

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "nav3d_failures.py"


@pytest.fixture(scope="module")
def failures():
    spec = importlib.util.spec_from_file_location("nav3d_failures", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def thing(x: float, z: float) -> SimpleNamespace:
    return SimpleNamespace(x=x, z=z)


def test_an_object_between_agent_and_target_is_in_the_way(failures):
    agent = (0.0, 0.0, 0.0)  # facing +x
    assert failures.in_the_way(agent, thing(3.0, 0.0), [thing(0.8, 0.1)])


def test_an_object_beside_the_path_or_beyond_the_target_is_not(failures):
    agent = (0.0, 0.0, 0.0)
    assert not failures.in_the_way(agent, thing(3.0, 0.0), [thing(0.0, 0.9)])  # 90° off the bearing
    assert not failures.in_the_way(agent, thing(0.5, 0.0), [thing(0.9, 0.0)])  # farther than the target
    assert not failures.in_the_way(agent, thing(3.0, 0.0), [thing(1.5, 0.0)])  # not within reach of the agent
    assert not failures.in_the_way((0.0, 0.0, math.pi), thing(-3.0, 0.0), [])


def test_bearings_either_side_of_straight_behind_are_close(failures):
    agent = (0.0, 0.0, 0.0)  # the target straight behind, the object just across the ±180° seam from it
    assert failures.in_the_way(agent, thing(-3.0, 0.01), [thing(-0.8, -0.01)])


def test_a_trace_prints_a_run_of_identical_steps_once(failures, capsys):
    failures.print_trace(["forward a", "forward a", "forward a", "turn_left b"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].split() == ["×3", "forward", "a"] and lines[1].split() == ["turn_left", "b"]


def test_a_pushing_agent_is_stuck_against_an_object_whose_collision_circle_a_step_would_enter(failures):
    world = SimpleNamespace(pose=lambda: (0.0, 0.0, 0.0), max_forward_step=0.4)
    assert failures.stuck_against(world, [thing(5.0, 5.0), thing(0.7, -0.6)]) == "object"  # 0.92 m away, 41° aside
    assert failures.stuck_against(world, [thing(1.3, 0.0)]) == "wall"


def test_the_collision_distance_is_miniworlds_for_every_kind(failures):
    import sim2act.envs

    env = sim2act.envs.make("nav3d", "goto")
    env.reset(seed=0)
    world = env.unwrapped.world
    radii = {type(e).__name__: e.radius for e in world.things}
    env.close()
    assert radii and all(abs(world.agent.radius + r - failures.COLLISION) < 0.01 for r in radii.values())


def test_escape_turns_to_one_side_then_walks_after_a_blocked_step_and_then_lets_the_policy_act(failures, tmp_path):
    from sim2act.data.reader import open_dataset
    from sim2act.envs import make
    from sim2act.models import PolicyConfig, PolicySpec, build_policy
    from sim2act.rollout.generation import GenerateConfig, generate
    from sim2act.training.trainer import domain_defaults

    generate(GenerateConfig(domain="nav3d", level="goto", proposer="uniform", episodes=2, num_envs=1, labels="none",
                            env={"actions": "move"}), tmp_path / "data")
    _, card = open_dataset(tmp_path / "data")
    policy = build_policy(*domain_defaults(PolicySpec.from_card(card), PolicyConfig(d_model=32, heads=2, fusion_layers=1)))
    env = make("nav3d", "goto", actions="move")
    obs, _ = env.reset(seed=0)
    escape = failures.EscapeProposer(policy, turns=2, forwards=1)
    escape.begin_episode(0, env)
    forward = failures.FORWARD
    chosen = []
    for moved in (True, False, True, True, True, True):  # the second forward step is blocked: the frame stays
        probs = escape.distribution([obs], [env], [0]).probs[0]
        action = int(probs.argmax()) if probs.max() == 1.0 else forward
        chosen.append(action if probs.max() == 1.0 else None)
        escape.executed(0, action)
        if moved:
            obs = {**obs, "rgb": obs["rgb"] + 1}
    turn = chosen[2]
    assert chosen[:2] == [None, None] and turn in (0, 1)  # π_θ acts until a forward step leaves the frame unchanged
    assert chosen[2:] == [turn, turn, forward, None]  # two turns the same way, a step, then π_θ again
