"""nav3d's steering toward a place of the agent's own walk: turn to face it, step, stop there."""

from __future__ import annotations

import math

from sim2act.envs import make
from sim2act.envs.nav3d.steering import FORWARD, TURN_LEFT, TURN_RIGHT, steer_toward


def _place(env, metres: float, degrees: float) -> tuple[float, float]:
    """The (x, z) ``metres`` away from the agent, ``degrees`` left of its heading."""
    agent = env.unwrapped.world.agent
    heading = agent.dir + math.radians(degrees)
    return float(agent.pos[0]) + metres * math.cos(heading), float(agent.pos[2]) - metres * math.sin(heading)


def test_steering_turns_toward_the_place_steps_when_facing_it_and_stops_there():
    env = make("nav3d", "goto")
    env.reset(seed=0)
    assert steer_toward(env, _place(env, 2.0, 0)) == FORWARD
    assert steer_toward(env, _place(env, 2.0, 10)) == FORWARD  # within half a turn: a step still closes in
    assert steer_toward(env, _place(env, 2.0, 90)) == TURN_LEFT
    assert steer_toward(env, _place(env, 2.0, -120)) == TURN_RIGHT
    assert steer_toward(env, _place(env, 0.1, 90)) is None


def test_steering_walks_to_a_place_behind_the_agent():
    env = make("nav3d", "goto")
    _, info = env.reset(seed=0)
    start = info["state_key"]
    env.step(FORWARD)
    env.step(FORWARD)
    for _ in range(12):
        action = steer_toward(env, start)
        if action is None:
            break
        env.step(action)
    agent = env.unwrapped.world.agent
    assert action is None and math.hypot(agent.pos[0] - start[0], agent.pos[2] - start[1]) < 0.2
