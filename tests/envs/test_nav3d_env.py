"""The nav3d env: layouts, observations, the verifier, hindsight, previews and rendering of several envs at once."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest

import sim2act.envs
from sim2act.envs.nav3d import language as L
from sim2act.envs.nav3d.geometry import turn_to
from sim2act.envs.nav3d.levels import LEVELS, in_view, next_to_targets, sample_layout
from sim2act.envs.nav3d.predicates import Progress, achieved
from sim2act.errors import Sim2ActError

FORWARD, TURN_LEFT, PICKUP = 2, 0, 3
BACK = 3
"""The step back's index with ``actions="move-back"``."""


@pytest.fixture(scope="module")
def goto_env():
    env = sim2act.envs.make("nav3d", "goto")
    yield env
    env.close()


def test_a_layout_is_a_function_of_the_seed():
    for level in LEVELS:
        assert sample_layout(level, np.random.default_rng(7)) == sample_layout(level, np.random.default_rng(7))
        assert sample_layout(level, np.random.default_rng(7)) != sample_layout(level, np.random.default_rng(8))


def test_every_object_is_named_once_and_the_instruction_names_objects_in_the_world():
    for level in LEVELS:
        for seed in range(20):
            layout = sample_layout(level, np.random.default_rng(seed))
            names = [t.name for t in layout.things]
            assert len(set(names)) == len(names)
            for clause in L.subgoals(layout.instruction):
                if L.instruction_type(clause) == "go to next to":
                    assert clause in {L.go_to_next_to(*key) for key in next_to_targets(layout.things)}
                else:
                    assert any(clause.endswith(name) for name in names)


def test_level_shapes():
    for seed in range(15):
        seq = sample_layout("goto-seq", np.random.default_rng(seed))
        assert 2 <= len(seq.rooms) <= 4 and len(seq.doors) == len(seq.rooms) - 1
        assert L.instruction_type(seq.instruction) == "sequence" and len(L.subgoals(seq.instruction)) == 2
        search = sample_layout("search", np.random.default_rng(seed))
        assert len(search.rooms) == 9 and len(search.doors) == 8  # a maze: one way between any two rooms
        target = next(t for t in search.things if search.instruction.endswith(t.name))
        assert not in_view(search.agent, (target.x, target.z), search.rooms, search.doors)
        start = next(r for r in search.rooms if r.contains(*search.agent[:2]))
        assert not start.contains(target.x, target.z)


def test_observation_holds_camera_depth_and_proprio(goto_env):
    obs, info = goto_env.reset(seed=3)
    assert obs["rgb"].shape == (64, 64, 3) and obs["rgb"].dtype == np.uint8
    assert obs["depth"].shape == (64, 64) and 0.0 < obs["depth"].min() and obs["depth"].max() <= 30.0
    heading = goto_env.unwrapped.layout.agent[2]
    assert obs["proprio"][:2] == pytest.approx([math.sin(heading), math.cos(heading)], abs=1e-5)
    assert not obs["proprio"][2:].any()  # no last action, carrying nothing
    obs, *_ = goto_env.step(TURN_LEFT)
    assert obs["proprio"][2] == 1.0 and obs["proprio"][:2] == pytest.approx(
        [math.sin(heading + math.pi / 6), math.cos(heading + math.pi / 6)], abs=1e-5)
    assert obs["instruction"] == info["instruction"]


def test_depth_is_optional():
    env = sim2act.envs.make("nav3d", "goto", depth=False, image_size=32)
    obs, _ = env.reset(seed=0)
    assert "depth" not in obs and obs["rgb"].shape == (32, 32, 3)
    assert sim2act.envs.get_domain("nav3d").sensors({"depth": False}).depth == ()
    env.close()


def test_a_wider_camera_sees_more_of_the_same_world_and_its_captions_follow():
    wide = sim2act.envs.make("nav3d", "goto", fov=120)
    narrow = sim2act.envs.make("nav3d", "goto")
    domain = sim2act.envs.get_domain("nav3d")
    widened = 0
    for seed in range(12):
        wide_obs, _ = wide.reset(seed=seed)
        narrow_obs, _ = narrow.reset(seed=seed)
        assert wide.unwrapped.layout == narrow.unwrapped.layout  # the camera never changes the world
        assert not np.array_equal(wide_obs["rgb"], narrow_obs["rgb"])
        seen = {c.text for c in domain.captions(wide) if c.steps is not None}
        narrowly_seen = {c.text for c in domain.captions(narrow) if c.steps is not None}
        assert narrowly_seen <= seen
        widened += len(seen - narrowly_seen)
    assert widened > 0
    wide.close()
    narrow.close()
    with pytest.raises(Sim2ActError, match="fov must lie in"):
        sim2act.envs.make("nav3d", "goto", fov=200)
    with pytest.raises(Sim2ActError, match="fov must be a number, got 'wide'"):
        sim2act.envs.make("nav3d", "goto", fov="wide")
    with pytest.raises(Sim2ActError, match="image_size must be an integer"):
        sim2act.envs.make("nav3d", "goto", image_size=64.5)


def test_preview_shows_each_outcome_and_leaves_the_env_untouched(goto_env):
    goto_env.reset(seed=5)
    world = goto_env.unwrapped.world
    pose = (world.agent.pos.copy(), world.agent.dir)
    previews = goto_env.unwrapped.preview([TURN_LEFT, FORWARD])
    assert np.array_equal(world.agent.pos, pose[0]) and world.agent.dir == pose[1]
    stepped, *_ = goto_env.step(FORWARD)
    assert np.array_equal(previews[1]["rgb"], stepped["rgb"]) and np.array_equal(previews[1]["depth"], stepped["depth"])
    assert not np.array_equal(previews[0]["rgb"], stepped["rgb"])


def test_several_envs_in_one_process_draw_their_own_rooms():
    """Miniworld compiles every env's walls into one shared display list: a second env's reset used to
    repaint the first env's rooms."""
    first, second = sim2act.envs.make("nav3d", "goto"), sim2act.envs.make("nav3d", "search")
    first.reset(seed=11)
    second.reset(seed=12)
    after, *_ = first.step(TURN_LEFT)
    first.reset(seed=11)
    again, *_ = first.step(TURN_LEFT)
    assert np.array_equal(after["rgb"], again["rgb"])
    first.close(), second.close()


def test_the_expert_reaches_and_picks_up_and_achievements_name_what_happened():
    domain = sim2act.envs.get_domain("nav3d")
    for level in ("goto", "pickup"):
        env = sim2act.envs.make("nav3d", level)
        successes = 0
        for seed in range(10):
            obs, info = env.reset(seed=seed)
            expert, action, seen = domain.expert(env), None, []
            while (action := expert.act(action)) is not None:
                obs, reward, terminated, truncated, info = env.step(action)
                seen += info["achieved"]
                if terminated or truncated:
                    break
            successes += info["success"]
            if info["success"]:
                assert info["instruction"] in seen and 0.1 < reward <= 1.0
                assert all(L.instruction_type(a) == LEVELS[level].achieved_forms[0] for a in seen)
        assert successes >= 9
        if level == "pickup" and info["success"]:
            assert obs["proprio"][6:].sum() == 2.0  # carrying: one kind and one colour
        env.close()


def test_sequences_must_be_done_in_order_and_hindsight_names_sequences():
    progress = Progress(["go to the red ball", "go to the blue key"])
    assert not progress.advance({"go to the blue key"})
    assert not progress.advance({"go to the red ball"}) and progress.done == 1
    assert progress.advance({"go to the blue key"})
    reached = Progress([])
    assert achieved(set(), {"go to the red ball"}, reached, ("sequence",)) == []
    assert achieved({"go to the red ball"}, {"go to the blue key"}, reached, ("sequence",)) == [
        "go to the red ball, then go to the blue key"]
    assert achieved(set(), {"go to the red ball"}, reached, ("sequence",)) == [
        "go to the blue key, then go to the red ball"]


def test_captions_count_actions_to_true_and_stay_silent_about_what_is_out_of_view(goto_env):
    domain = sim2act.envs.get_domain("nav3d")
    for seed in range(8):
        goto_env.reset(seed=seed)
        world, layout = goto_env.unwrapped.world, goto_env.unwrapped.layout
        pose = (world.agent.pos[0], world.agent.pos[2], world.agent.dir)
        captions = {c.text: c for c in domain.captions(goto_env)}
        for thing, entity in zip(layout.things, world.things):
            go, pick = captions[L.go_to(thing.color, thing.kind)], captions[L.pick_up(thing.color, thing.kind)]
            if world.near(entity):
                assert go.steps == 0
            elif in_view(pose, (thing.x, thing.z), layout.rooms, layout.doors):
                assert go.steps >= 1 and go.mention == thing.name and pick.steps == go.steps + 1
            else:
                assert go.steps is None and go.mention == "" and pick.steps is None


def test_with_kind_goals_reaching_an_object_also_achieves_its_kind_named_after_its_full_description():
    domain = sim2act.envs.get_domain("nav3d")
    env = sim2act.envs.make("nav3d", "goto", kind_goals=True)
    for seed in range(3):
        env.reset(seed=seed)
        expert, action, seen = domain.expert(env), None, []
        while (action := expert.act(action)) is not None:
            *_, terminated, truncated, info = env.step(action)
            seen += info["achieved"]
            if terminated or truncated:
                break
        assert info["success"]
        target = next(t for t in env.unwrapped.layout.things if L.go_to(t.color, t.kind) == info["instruction"])
        kind_goal = L.go_to_kind(target.kind)
        assert L.instruction_type(kind_goal) == "go to kind" and seen.index(info["instruction"]) < seen.index(kind_goal)
        assert L.target_object(kind_goal) is None  # names no (colour, object) pair: admissible in every split
    assert env.unwrapped.set_instruction(kind_goal)["instruction"] == kind_goal and env.unwrapped.clauses_done == 1
    env.close()
    assert achieved(set(), {"go to the box", "go to the grey box"}, Progress([]), ("go to", "go to kind")) == [
        "go to the grey box", "go to the box"]
    assert achieved(set(), {"go to the box", "go to the grey box"}, Progress([]), ("go to",)) == ["go to the grey box"]


def test_odometry_says_when_a_forward_step_was_blocked_and_nothing_else():
    env = sim2act.envs.make("nav3d", "goto", odometry=True)
    obs, _ = env.reset(seed=0)
    u = env.unwrapped
    assert u.proprio_names[-1] == "last_step_blocked" and obs["proprio"].shape == env.observation_space["proprio"].shape == (16,)
    assert obs["proprio"][-1] == 0.0
    flags = []
    for _ in range(30):  # straight ahead until a wall or an object stops the agent, then on against it
        before = u.world.agent.pos.copy()
        obs, *_ = env.step(FORWARD)
        flags.append((bool(np.array_equal(before, u.world.agent.pos)), float(obs["proprio"][-1])))
    assert any(moved == 0.0 for _, moved in flags) and (True, 1.0) in flags
    assert all(float(blocked) == flag for blocked, flag in flags)
    assert [o["proprio"][-1] for o in u.preview([TURN_LEFT, FORWARD])] == [0.0, 1.0]
    assert u.step(FORWARD)[0]["proprio"][-1] == 1.0 and u.step(TURN_LEFT)[0]["proprio"][-1] == 0.0  # preview undone
    env.close()
    assert sim2act.envs.make("nav3d", "goto").observation_space["proprio"].shape == (15,)


def test_move_actions_leave_out_pick_up_and_its_proprio():
    env = sim2act.envs.make("nav3d", "goto", actions="move", odometry=True)
    obs, _ = env.reset(seed=0)
    u = env.unwrapped
    assert env.action_space.n == 3 and u.action_names == ("turn_left", "turn_right", "forward")
    assert "last_pickup" not in u.proprio_names and obs["proprio"].shape == env.observation_space["proprio"].shape == (15,)
    full = sim2act.envs.make("nav3d", "goto", odometry=True)
    full_obs, _ = full.reset(seed=0)
    assert np.array_equal(obs["rgb"], full_obs["rgb"])  # the same world from the same seed
    for action in [TURN_LEFT, FORWARD, FORWARD, 1, FORWARD]:
        obs, *_ = env.step(action)
        full_obs, *_ = full.step(action)
        assert np.array_equal(obs["rgb"], full_obs["rgb"])
        assert obs["proprio"][2 + action] == 1.0 and obs["proprio"][-1] == full_obs["proprio"][-1]
    with pytest.raises(Sim2ActError, match=r"outside \[0, 3\)"):
        env.step(3)
    env.close()
    full.close()



def test_move_back_steps_back_and_odometry_says_when_it_was_blocked():
    env = sim2act.envs.make("nav3d", "goto", actions="move-back", odometry=True)
    u = env.unwrapped
    assert env.action_space.n == 4 and u.action_names == ("turn_left", "turn_right", "forward", "back")
    start = _pose_against(env, 0, True, 0.0)  # facing an object at its collision circle
    heading = np.array([math.cos(u.world.agent.dir), 0.0, -math.sin(u.world.agent.dir)])
    assert env.step(FORWARD)[0]["proprio"][-1] == 1.0  # blocked
    obs, *_ = env.step(BACK)
    assert np.allclose(u.world.agent.pos - start, -0.4 * heading) and obs["proprio"][-1] == 0.0
    assert obs["proprio"][2 + BACK] == 1.0
    u.world.agent.pos = np.array([start[0], 0.0, u.layout.rooms[0].min_z + u.world.agent.radius + 0.05])
    u.world.agent.dir = -math.pi / 2  # the wall behind it
    before = u.world.agent.pos.copy()
    obs, *_ = env.step(BACK)
    assert np.allclose(u.world.agent.pos, before) and obs["proprio"][-1] == 1.0  # a blocked step back, told as one
    env.close()
    with pytest.raises(Sim2ActError, match="level pickup needs pick up: option actions must be 'all' there, got 'move-back'"):
        sim2act.envs.make("nav3d", "pickup", actions="move-back")

def _pose_against(env, seed: int, at_object: bool, angle: float):
    """The agent beside the first object (every object moved onto it, at the room's centre), or beside the room's
    north wall, heading ``angle`` radians off straight into it; the agent's position."""
    env.reset(seed=seed)
    world = env.unwrapped.world
    room = env.unwrapped.layout.rooms[0]
    centre = np.array([(room.min_x + room.max_x) / 2, 0.0, (room.min_z + room.max_z) / 2])
    for thing in world.things:
        thing.pos = centre.copy()
    if at_object:
        gap = world.agent.radius + world.things[0].radius + 0.05
        world.agent.pos, world.agent.dir = centre + np.array([gap, 0.0, 0.0]), math.pi - angle  # facing -x, turned
    else:
        world.agent.pos = np.array([centre[0], 0.0, room.min_z + world.agent.radius + 0.05])
        world.agent.dir = math.pi / 2 - angle  # facing -z (Miniworld's heading 90°), turned
    return world.agent.pos.copy()


@pytest.mark.parametrize("at_object", [True, False])
def test_slide_moves_along_what_blocks_a_step_and_miniworlds_motion_refuses_it(at_object):
    for slide in (False, True):
        env = sim2act.envs.make("nav3d", "goto", actions="move", odometry=True, slide=slide)
        start = _pose_against(env, 0, at_object, math.pi / 4)
        obs, *_ = env.step(FORWARD)
        world = env.unwrapped.world
        moved = world.agent.pos - start
        assert obs["proprio"][-1] == float(not slide)  # odometry: blocked only without slide
        if not slide:
            assert np.allclose(moved, 0.0)
        elif at_object:  # along the circle's tangent: the 0.4 m step less its part toward the object's centre
            assert np.allclose(moved, [0.0, 0.0, -0.4 * math.sin(math.pi / 4)])
            assert np.linalg.norm(world.agent.pos - world.things[0].pos) >= world.agent.radius + world.things[0].radius
        else:  # along the wall
            assert np.allclose(moved, [0.4 * math.sin(math.pi / 4), 0.0, 0.0])
        start = _pose_against(env, 0, at_object, 0.0)
        env.step(FORWARD)
        assert np.allclose(world.agent.pos, start)  # straight into it: blocked either way
        env.close()
    with pytest.raises(Sim2ActError, match="slide must be true or false, got 'on'"):
        sim2act.envs.make("nav3d", "goto", slide="on")


def test_bad_actions_and_levels_are_one_line():
    env = sim2act.envs.make("nav3d", "goto")
    env.reset(seed=0)
    with pytest.raises(Sim2ActError, match="outside"):
        env.step(7)
    env.close()
    with pytest.raises(Sim2ActError, match="did you mean 'goto'"):
        sim2act.envs.make("nav3d", "gotoo")
    with pytest.raises(Sim2ActError, match="image_size"):
        sim2act.envs.make("nav3d", "goto", image_size=4)
    with pytest.raises(Sim2ActError, match="kind_goals must be true or false, got 'yes'"):
        sim2act.envs.make("nav3d", "goto", kind_goals="yes")
    with pytest.raises(Sim2ActError, match="odometry must be true or false, got 1"):
        sim2act.envs.make("nav3d", "goto", odometry=1)
    with pytest.raises(Sim2ActError, match="actions must be one of all, move, move-back, got 'walk'"):
        sim2act.envs.make("nav3d", "goto", actions="walk")
    with pytest.raises(Sim2ActError, match="level pickup needs pick up"):
        sim2act.envs.make("nav3d", "pickup", actions="move")


def test_builds_with_no_display():
    """A user needs no display and no xvfb: sim2act renders through EGL by itself."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "PYGLET_HEADLESS")}
    code = "import sim2act.envs as e; env = e.make('nav3d', 'goto'); print(env.reset(seed=0)[0]['rgb'].shape)"
    result = subprocess.run([sys.executable, "-c", code], check=False, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("(64, 64, 3)")


def test_state_keys_repeat_exactly_when_the_agent_is_back_where_it_was(goto_env):
    _, info = goto_env.reset(seed=4)
    start = info["state_key"]
    keys = [goto_env.step(action)[4]["state_key"] for action in [TURN_LEFT, 1] + [TURN_LEFT] * 12]
    assert keys[1] == start and keys[-1] == start  # left then right, and a full turn
    before = goto_env.unwrapped.world.agent.pos.copy()
    moved = goto_env.step(FORWARD)[4]["state_key"]
    assert (moved != start) == (not np.array_equal(goto_env.unwrapped.world.agent.pos, before))
    assert sim2act.envs.get_domain("nav3d").exact_state_keys


def test_object_view_says_which_column_each_named_object_is_seen_in(goto_env):
    from sim2act import features as F
    from sim2act.envs.nav3d.env import OBJECT_SLOTS, VIEW_BINS

    _, info = goto_env.reset(seed=3)
    env = goto_env.unwrapped
    seen_anything = False
    for _ in range(12):  # a full turn on the spot: every object comes into view and leaves it
        world, layout = env.world, env.layout
        pose = (float(world.agent.pos[0]), float(world.agent.pos[2]), float(world.agent.dir))
        view = info[F.INFO_OBJECT_VIEW]
        assert view.shape == (len(OBJECT_SLOTS),) and view.dtype == np.int8 and view.max() <= VIEW_BINS
        named = {thing.name for thing in layout.things}
        assert not any(view[i] for i, slot in enumerate(OBJECT_SLOTS) if slot not in named)
        for thing, entity in zip(layout.things, world.things):
            point = (float(entity.pos[0]), float(entity.pos[2]))
            column = view[OBJECT_SLOTS.index(thing.name)]
            assert (column > 0) == in_view(pose, point, layout.rooms, layout.doors, env.fov)
            if column:  # an object left of centre (a positive turn faces it) is in a left column, and the reverse
                seen_anything = True
                middle = (VIEW_BINS + 1) // 2
                assert column == middle or (column < middle) == (turn_to(pose, point) > 0)
        _, _, _, _, info = goto_env.step(TURN_LEFT)
    assert seen_anything


def test_object_view_is_an_annotation_not_an_observation(goto_env):
    from sim2act import features as F

    assert F.OBJECT_VIEW not in goto_env.observation_space.spaces
    assert F.OBJECT_VIEW in goto_env.unwrapped.annotation_space.spaces


def test_the_target_object_of_an_instruction():
    assert L.target_object("go to the red ball") == "the red ball"
    assert L.target_object("pick up the grey box") == "the grey box"
    assert L.target_object("go to the ball next to the red key") is None
    assert L.target_object("go to the red ball, then go to the blue key") is None
    from sim2act.envs.nav3d.env import OBJECT_PARTS, OBJECT_SLOTS

    assert set(OBJECT_PARTS) == {(c, k) for c in L.COLORS for k in L.OBJECTS}
    assert OBJECT_SLOTS == tuple(L.phrase(c, k) for c, k in OBJECT_PARTS)
