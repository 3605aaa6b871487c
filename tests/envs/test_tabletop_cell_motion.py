"""The tabletop's cell motions: depth back-projection finds surfaces, and a motion to the right cells succeeds in ee_delta."""

import numpy as np
import pytest

import sim2act.envs
from sim2act import features as F
from sim2act.envs import get_domain
from sim2act.envs.tabletop.cell_motion import CellMotion, surface_height
from sim2act.envs.tabletop.workspace import BLOCK_HALF_SIZES, camera_point, cell_pixels, cell_xy, xy_cell


def test_camera_point_inverts_the_cell_projection():
    for cell, (u, v) in list(enumerate(cell_pixels(0.0)))[::7]:
        # the point on the table seen at the cell's pixel, at the depth along the optical axis that reaches it
        eye = np.array([0.70, 0.0, 0.65])
        forward = (np.array([0.5, 0.0, 0.0]) - eye) / np.linalg.norm(np.array([0.5, 0.0, 0.0]) - eye)
        depth = (np.append(cell_xy(cell), 0.0) - eye) @ forward
        np.testing.assert_allclose(camera_point(u, v, depth), np.append(cell_xy(cell), 0.0), atol=1e-9)


def _named_cells(base, level):
    words = base.layout.instruction.split()
    block = next(b for b in base.blocks if b.color == words[3 if level == "pick" else 2])
    pick = xy_cell(base.data.xpos[block.body][:2])
    if level == "pick":
        return block, pick, pick
    bowl = next(b for b in base.bowls if b.color == words[-2])
    return block, pick, xy_cell(base.data.xpos[bowl.body][:2])


def test_depth_gives_the_height_of_a_block_and_of_the_bare_table():
    env = sim2act.envs.make("tabletop", "pick", action_mode="ee_delta")
    observation, _ = env.reset(seed=1)
    block, cell, _ = _named_cells(env.unwrapped, "pick")
    top = env.unwrapped.data.xpos[block.body][2] + BLOCK_HALF_SIZES[block.size]
    assert abs(surface_height(observation[F.DEPTH], cell) - top) < 0.01
    occupied = {xy_cell(env.unwrapped.data.xpos[b.body][:2]) for b in env.unwrapped.blocks}
    empty = next(c for c in range(64) if all(abs(c // 8 - o // 8) > 1 or abs(c % 8 - o % 8) > 1 for o in occupied if o is not None))
    assert surface_height(observation[F.DEPTH], empty) < 0.005
    env.close()


@pytest.mark.parametrize("level", ["pick", "put-in-bowl"])
def test_a_motion_to_the_named_cells_succeeds_from_observations_alone(level):
    env = sim2act.envs.make("tabletop", level, action_mode="ee_delta")
    observation, _ = env.reset(seed=2)
    _, pick, place = _named_cells(env.unwrapped, level)
    motion, success, steps = CellMotion(pick, place, observation), False, 0
    while (action := motion.act(observation)) is not None:
        assert env.action_space.contains(action)
        observation, _, success, truncated, _ = env.step(action)
        steps += 1
        if success or truncated:
            break
    assert success and steps < env.unwrapped.max_steps
    env.close()


def test_cell_motions_exist_only_where_actions_are_continuous():
    domain = get_domain("tabletop")
    assert domain.cell_motions({"action_mode": "pick_place"}) is None
    motions = domain.cell_motions({"action_mode": "ee_delta"})
    assert len(motions.cell_pixels) == 64 and motions.start is CellMotion


def test_grasp_cells_are_where_the_episode_grasped_and_let_go():
    env = sim2act.envs.make("tabletop", "put-in-bowl", action_mode="ee_delta")
    observation, _ = env.reset(seed=2)
    _, pick, place = _named_cells(env.unwrapped, "put-in-bowl")
    motion, proprio, actions = CellMotion(pick, place, observation), [], []
    while (action := motion.act(observation)) is not None:
        proprio.append(observation[F.PROPRIO])
        actions.append(action)
        observation, _, success, truncated, _ = env.step(action)
        if success or truncated:
            break
    env.close()
    motions = get_domain("tabletop").cell_motions({"action_mode": "ee_delta"})
    cells = motions.grasp_cells(np.array(proprio), np.array(actions))
    closes = [t for t, a in enumerate(actions) if a[3] < 0 and (t == 0 or actions[t - 1][3] >= 0)]
    opens = [t for t, a in enumerate(actions) if a[3] >= 0 and t > closes[0]]
    assert (cells[: closes[0] + 1, 0] == pick).all() and (cells[closes[0] + 1 :, 0] == -1).all()
    assert (cells[: opens[0] + 1, 1] == place).all() and (cells[opens[0] + 1 :, 1] == -1).all()
    np.testing.assert_allclose(motions.cell_positions[pick], cell_xy(pick))


def test_closing_on_air_is_no_grasp():
    proprio = np.zeros((6, 11), np.float32)
    proprio[:, :2] = cell_xy(9)
    proprio[:, 3] = [0.06, 0.06, 0.0, 0.0, 0.0, 0.0]  # the fingers close all the way: nothing between them
    actions = np.zeros((6, 4), np.float32)
    actions[:, 3] = [0.5, -1, -1, -1, 0.5, 0.5]
    assert (get_domain("tabletop").cell_motions({"action_mode": "ee_delta"}).grasp_cells(proprio, actions) == -1).all()
