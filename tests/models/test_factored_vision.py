"""The factored stem: a cell's colour features ignore its form and its form features ignore its colour."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from minigrid.core.grid import Grid
from minigrid.core.world_object import Ball, Box, Key

from sim2act.models import PolicyConfig, build_policy
from sim2act.models.factored_vision import FactoredVisionEncoder
from tests.models.test_policy_model import DISCRETE

OBJECTS = {"ball": Ball, "key": Key, "box": Box}
COLOURS = ("red", "green", "blue", "purple", "yellow", "grey")


def _features(kind: str, colour: str, empty: bool = False) -> torch.Tensor:
    """Prepared features of one object drawn by MiniGrid itself at 8 px a cell, as in the agent's view."""
    grid = Grid(7, 7)
    if not empty:
        grid.set(3, 3, OBJECTS[kind](colour))
    mask = np.ones((7, 7), bool)
    frame = torch.from_numpy(grid.render(8, agent_pos=(3, 6), agent_dir=3, highlight_mask=mask))[None]
    encoder = FactoredVisionEncoder((56, 56, 3), memory=1, d_model=8)
    return encoder.prepare_frames(frame)[0, 3 * 7 + 3].float()


@pytest.mark.parametrize("colour", COLOURS)
def test_colour_features_do_not_depend_on_the_object(colour):
    hues = [_features(kind, colour)[:3] for kind in OBJECTS]
    for hue in hues[1:]:
        assert (hue - hues[0]).abs().max() <= 2


@pytest.mark.parametrize("kind", sorted(OBJECTS))
def test_form_features_do_not_depend_on_the_colour(kind):
    forms = [_features(kind, colour)[6:] for colour in COLOURS]
    for form in forms[1:]:
        assert (form - forms[0]).abs().max() <= 2


def test_objects_differ_in_form_and_colours_in_hue():
    assert _features("ball", "red")[:3].abs().max() > 200 and _features("ball", "red", empty=True)[:3].max() < 10
    assert (_features("ball", "red")[6:] - _features("key", "red")[6:]).abs().max() > 100
    hues = torch.stack([_features("ball", c)[:3] for c in COLOURS])
    assert torch.cdist(hues, hues).add(torch.eye(len(hues)) * 1e3).min() > 50


def test_factored_policy_acts_and_round_trips(tmp_path):
    from sim2act.models import load_policy, save_policy

    torch.manual_seed(0)
    policy = build_policy(DISCRETE, PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2, vision_stem="factored"))
    frames = torch.randint(0, 256, (6, 56, 56, 3), dtype=torch.uint8)
    rgb = policy.prepare_frames(frames).view(3, 2, 49, -1)
    probs = policy.eval().action_probabilities(rgb, torch.zeros(3, 2, 13), ["go to the red ball"] * 3)
    save_policy(policy, tmp_path / "ckpt")
    loaded = load_policy(tmp_path / "ckpt")
    assert loaded.config.vision_stem == "factored"
    again = loaded.action_probabilities(rgb, torch.zeros(3, 2, 13), ["go to the red ball"] * 3)
    torch.testing.assert_close(probs, again)
