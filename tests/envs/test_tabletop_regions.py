"""The tabletop's region captions: named things' phrases where the front camera sees them, empty cells as ""."""

import numpy as np
import pytest

import sim2act.envs
from sim2act.envs.tabletop.captions import tabletop_captions as captions
from sim2act.envs.tabletop.language import action_phrases
from sim2act.envs.tabletop.regions import project, tabletop_regions
from sim2act.envs.tabletop.scene import FRONT_CAMERA
from sim2act.envs.tabletop.workspace import CELLS, cell_pixels, cell_xy
from sim2act.errors import Sim2ActError


@pytest.fixture(scope="module")
def env():
    env = sim2act.envs.make("tabletop", "put-in-bowl")
    yield env
    env.close()


def test_projection_matches_the_cell_pixels_the_policy_reads(env):
    env.reset(seed=0)
    base = env.unwrapped
    points = np.array([np.append(cell_xy(c), 0.02) for c in range(CELLS)])
    assert np.allclose(project(base.model, base.data, FRONT_CAMERA, points), np.array(cell_pixels()), atol=1e-4)


def test_named_objects_are_where_the_camera_sees_them(env):
    obs, _ = env.reset(seed=5)
    base = env.unwrapped
    regions = tabletop_regions(env)
    texts = [r.text for r in regions]
    for block in base.blocks:
        assert (f"the {block.color} block" in texts) == block.named
    for bowl in base.bowls:
        assert (f"the {bowl.color} bowl" in texts) == bowl.named
    side = obs["rgb"].shape[0]
    for region in regions:
        assert 0 <= region.x <= 1 and 0 <= region.y <= 1
        if region.text.endswith(" block"):  # the pixel under a block's phrase shows the block, not the grey table
            pixel = obs["rgb"][min(int(region.y * side), side - 1), min(int(region.x * side), side - 1)].astype(int)
            assert np.ptp(pixel) > 30 or pixel.max() > 150
    empty = [r for r in regions if r.text == ""]
    assert 30 < len(empty) < CELLS


def test_every_instruction_of_a_level_has_phrases_among_its_regions(env):
    for level in ("pick", "put-in-bowl", "stack", "place-relative"):
        level_env = sim2act.envs.make("tabletop", level)
        for seed in range(4):
            obs, _ = level_env.reset(seed=seed)
            texts = {r.text for r in tabletop_regions(level_env)}
            phrases = [p for p in action_phrases(obs["instruction"]) if p is not None]
            assert phrases and set(phrases[:1]) <= texts, (obs["instruction"], texts)
        level_env.close()


def test_caption_colors_all_names_every_object_in_view_and_leaves_the_task_alone():
    named, everything = (sim2act.envs.make("tabletop", "put-in-bowl", caption_colors=c) for c in ("named", "all"))
    for seed in range(20):  # a layout with an evaluation-only colour among its distractors
        obs, _ = named.reset(seed=seed)
        hidden = [b.color for b in named.unwrapped.blocks + named.unwrapped.bowls if not b.named]
        if hidden:
            break
    assert hidden, "no layout with an unnamed distractor in 20 seeds"
    obs_all, _ = everything.reset(seed=seed)
    assert obs_all["instruction"] == obs["instruction"] and np.array_equal(obs_all["rgb"], obs["rgb"])
    mentions = lambda env: {r.text for r in tabletop_regions(env)} | {c.mention for c in captions(env)}  # noqa: E731
    assert not any(color in text for color in hidden for text in mentions(named))
    assert all(any(color in text for text in mentions(everything)) for color in hidden)
    assert everything.unwrapped.facts() == named.unwrapped.facts()  # the verifier keeps to the level's colours
    with pytest.raises(Sim2ActError, match="caption_colors must be one of"):
        sim2act.envs.make("tabletop", "put-in-bowl", caption_colors="some")
