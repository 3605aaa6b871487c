"""Patch-level captions: the region table's draws and the prior's patch embeddings at points."""

import numpy as np
import torch

from sim2act.envs.captions import Region
from sim2act.models.clip_embedder import ClipEmbedder
from sim2act.priors.regions import NOTHING, RegionTable


def test_named_regions_come_first_and_draws_prefer_them():
    frames = [
        [Region("", 0.1, 0.1), Region("the red block", 0.5, 0.5), Region("", 0.9, 0.9), Region("the blue bowl", 0.2, 0.7)],
        [Region("", 0.3, 0.3)],
        [],
    ]
    table = RegionTable.build(frames)
    assert table.texts[0] == NOTHING and table.count.tolist() == [4, 1, 0]
    assert [table.texts[t] for t in table.text[0, :2]] == ["the red block", "the blue bowl"]
    assert table.named(0) == 2 and table.named(1) == 0
    frame_of, region_of = table.draw(np.array([0, 1, 2]), np.random.default_rng(0), per_frame=3)
    assert frame_of.tolist() == [0, 0, 0, 1]
    assert sorted(region_of[:2].tolist()) == [0, 1] and region_of[2] in (2, 3) and region_of[3] == 0


def test_points_read_the_patch_under_them():
    grid = torch.zeros(1, 2, 2, 2)
    grid[0, 0, 0, 0] = 1.0  # top-left patch points along axis 0
    grid[0, 1, 1, 1] = 1.0  # bottom-right patch along axis 1
    points = torch.tensor([[[0.25, 0.25], [0.75, 0.75], [0.0, 0.0]]])
    out = ClipEmbedder.at_points(grid, points)[0]
    assert torch.allclose(out[0], torch.tensor([1.0, 0.0])) and torch.allclose(out[1], torch.tensor([0.0, 1.0]))
    assert torch.allclose(out[2], torch.tensor([1.0, 0.0]))  # the image's corner reads its corner patch
