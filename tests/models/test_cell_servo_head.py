"""The cell_servo head: grounded cells chosen (labelled in training, most likely at act time), a servo toward them."""

from __future__ import annotations

import pytest
import torch

from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig, PolicySpec, build_policy
from sim2act.models.cell_servo_head import CellServoHead

PIXELS = ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75))
POSITIONS = ((0.4, -0.1), (0.4, 0.1), (0.6, -0.1), (0.6, 0.1))
SPEC = PolicySpec(
    domain="tabletop", image_shape=(32, 32, 4), proprio_size=4,
    action_space={"type": "box", "low": [-1, -1, -1, -1], "high": [1, 1, 1, 1]},
    vocabulary=("put", "the", "red", "blue", "block", "in", "bowl", "pick", "up"),
)
CONFIG = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=1, action_bins=8, action_head="cell_servo",
                      vision_stem="patch", patch_size=8, cell_pixels=PIXELS, cell_positions=POSITIONS)
INSTRUCTIONS = ["put the red block in the blue bowl", "pick up the blue block"]


def _batch(policy, b=4):
    g = torch.Generator().manual_seed(0)
    frames = policy.prepare_frames(torch.randint(0, 256, (b, 32, 32, 4), dtype=torch.uint8, generator=g))
    proprio = torch.rand(b, 1, 4, generator=g)
    instructions = policy.encode_instructions(*policy.tokenizer.encode(INSTRUCTIONS))
    return frames.unsqueeze(1), proprio, instructions, torch.arange(b) % 2


def test_training_learns_the_labelled_cells_and_acting_chooses_the_likeliest():
    torch.manual_seed(0)
    policy = build_policy(SPEC, CONFIG)
    head = policy.head
    assert isinstance(head, CellServoHead) and head.reads_fine_grid
    rgb, proprio, instructions, index = _batch(policy)
    cells = torch.tensor([[0, 3], [1, -1], [-1, -1], [2, 0]])
    out = policy(rgb, proprio, instructions, index, cells)
    assert out.logits.shape == (4, 4, 8)
    loss = head.auxiliary_loss(torch.zeros(4, 4))
    assert loss.item() > 0 and head._phase_loss is not None  # rows 0, 3: going to pick; 1: carrying; 2: done
    loss.backward()
    assert next(head.cells.grounding.parameters()).grad is not None  # the cell scores learn from the labels
    policy.eval()
    with torch.no_grad():
        out = policy(rgb, proprio, instructions, index)
        log_joint = head.cells(out.context, *_head_inputs(policy, rgb, proprio, instructions, index)).view(4, 4, 4)
        pick, place = head._chosen_cells(log_joint, None)
    assert head.auxiliary_loss(torch.zeros(4, 4)).item() == 0
    assert torch.equal(pick, log_joint.logsumexp(-1).argmax(-1))
    assert torch.equal(place, log_joint[torch.arange(4), pick].argmax(-1))


def test_the_servo_reads_offsets_to_the_cells_in_spacing_units():
    head = build_policy(SPEC, CONFIG).head
    assert head.spacing == pytest.approx(0.2)
    offset = head._offset(torch.tensor([[0.2, -0.01]]))
    torch.testing.assert_close(offset, torch.tensor([[1.0, -0.05, 1.0, -0.05, 1.0, -0.1, 1.0, -0.25]]))


def test_cell_servo_needs_cells_and_box_actions():
    with pytest.raises(Sim2ActError, match="needs the small encoder's token grid, proprio, and the domain's cell"):
        build_policy(SPEC, PolicyConfig(d_model=32, heads=2, fusion_layers=1, action_head="cell_servo", patch_size=8))
    discrete = PolicySpec(domain="tabletop", image_shape=(32, 32, 4), proprio_size=4,
                          action_space={"type": "discrete", "n": 3}, vocabulary=SPEC.vocabulary)
    with pytest.raises(Sim2ActError, match="'cell_servo' is for Box action spaces"):
        build_policy(discrete, CONFIG)


def _head_inputs(policy, rgb, proprio, instructions, index):
    """The visual tokens (proprio token first), the words and the fine map, as the policy hands them to its head."""
    visual, _, fine = policy.vision(rgb, fine=True)
    normalised = (proprio - policy.proprio_centre) * policy.proprio_scale
    visual = torch.cat([policy.proprio(normalised.flatten(1)).unsqueeze(1), visual], 1)
    return visual, (instructions.contents[index], instructions.mask[index]), fine


def test_training_targets_spread_over_neighbouring_bins():
    head = build_policy(SPEC, CONFIG).head
    logits = torch.zeros(1, 4, 8, requires_grad=True)
    actions = torch.tensor([[0.1, -0.9, 0.0, 1.0]])
    head.train()
    head.log_prob(logits, actions).backward()
    spread = logits.grad[0, 0]  # d(log-likelihood)/d(logits): the target distribution less the uniform softmax
    assert spread.argmax() == 4 and spread[3] > 0 and spread[5] > 0 and spread[6] < spread[5]
    head.eval()
    exact = head.log_prob(logits.detach(), actions)
    torch.testing.assert_close(exact, torch.full((1,), 4 * -torch.log(torch.tensor(8.0)).item()))
