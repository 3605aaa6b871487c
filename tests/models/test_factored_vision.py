"""The factored stem: a cell's colour features ignore its form and its form features ignore its colour."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from minigrid.core.grid import Grid
from minigrid.core.world_object import Ball, Box, Key

from sim2act.models.factored_vision import FactoredVisionEncoder

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
