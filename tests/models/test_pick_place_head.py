"""The spatial pick_place head: shapes, the joint it scores, place given pick, checkpoints and config checks."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch

from sim2act.envs import get_domain
from sim2act.envs.grid.vocabulary import VOCABULARY
from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig, PolicySpec, build_policy, load_policy, read_policy_meta, save_policy
from sim2act.models.action_head import MultiDiscreteHead
from sim2act.models.pick_place_head import PickPlaceHead
from sim2act.training.losses import same_action_pairs
from sim2act.training.trainer import domain_defaults

N = 16
CELLS = PolicySpec(
    domain="grid", image_shape=(32, 32, 3), proprio_size=4,
    action_space={"type": "multi_discrete", "nvec": [N, N]}, vocabulary=VOCABULARY,
)
TINY = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2, action_head="pick_place")
INSTRUCTIONS = ["go to the red ball", "pick up the key"]


def _inputs(policy, batch, seed=0):
    g = torch.Generator().manual_seed(seed)
    k = policy.config.memory
    prepared = policy.prepare_frames(torch.randint(0, 256, (batch * k, 32, 32, 3), dtype=torch.uint8, generator=g))
    return prepared.view(batch, k, *prepared.shape[1:]), torch.randn(batch, k, 4, generator=g)


@torch.no_grad()
def _logits(policy, rgb, proprio):
    ids, mask = policy.tokenizer.encode(INSTRUCTIONS)
    instructions = policy.encode_instructions(ids, mask)
    return policy(rgb, proprio, instructions, torch.arange(len(rgb)) % len(INSTRUCTIONS)).logits


def _policy(seed=0, config=TINY):
    torch.manual_seed(seed)
    return build_policy(CELLS, config).eval()


def test_shapes_and_the_joint_is_a_distribution():
    policy = _policy()
    assert isinstance(policy.head, PickPlaceHead) and policy.config.action_head == "pick_place"
    rgb, proprio = _inputs(policy, 5)
    logits = _logits(policy, rgb, proprio)
    assert logits.shape == (5, N * N)
    probs = policy.action_probabilities(rgb, proprio, INSTRUCTIONS[:1] * 5)
    assert probs.shape == (5, N, N) and (probs > 0).all()
    torch.testing.assert_close(probs.sum((1, 2)), torch.ones(5, dtype=probs.dtype))
    # Each row given a pick is a distribution over places.
    conditional = probs / probs.sum(-1, keepdim=True)
    torch.testing.assert_close(conditional.sum(-1), torch.ones(5, N))
    actions = torch.tensor([[0, 15], [3, 3], [15, 0]])
    assert policy.embed_actions(actions).shape == (3, 32)
    assert policy.head.embedding_input(actions).shape == (3, 2 * N)


def test_targets_decode_and_same_action_pairs():
    head = PickPlaceHead(8, N, heads=2)
    actions = torch.tensor([[1, 2], [2, 1], [1, 2], [1, 3]])
    targets = head.targets(actions)
    assert targets.shape == (4, 1) and targets.view(-1).tolist() == [1 * N + 2, 2 * N + 1, 1 * N + 2, 1 * N + 3]
    assert torch.equal(head.decode(targets), actions)
    # InfoNCE's positives: the pairs equal in both cells, never those sharing only a pick or a place.
    expected = (actions[:, None] == actions[None]).all(-1)
    assert torch.equal(same_action_pairs(targets), expected) and expected.sum() == 6


def test_log_prob_is_log_pick_plus_log_place_given_the_logged_pick():
    policy = _policy(1)
    rgb, proprio = _inputs(policy, 4, seed=2)
    logits = _logits(policy, rgb, proprio)
    actions = torch.tensor([[0, 5], [7, 7], [15, 0], [3, 12]])
    log_prob = policy.head.log_prob(logits, actions)
    joint = policy.head.probabilities(logits)
    rows = torch.arange(4)
    torch.testing.assert_close(log_prob, joint[rows, actions[:, 0], actions[:, 1]].log())
    p_pick = joint.sum(-1)[rows, actions[:, 0]]
    p_place_given_pick = joint[rows, actions[:, 0], actions[:, 1]] / p_pick
    torch.testing.assert_close(log_prob, p_pick.log() + p_place_given_pick.log())


def test_place_depends_on_the_pick_through_the_picked_cell():
    policy = _policy(2)
    rgb, proprio = _inputs(policy, 3, seed=4)
    joint = policy.head.probabilities(_logits(policy, rgb, proprio))
    conditional = joint / joint.sum(-1, keepdim=True)
    assert (conditional - conditional[:, :1]).abs().amax() > 1e-3  # p(place | pick) differs across picks
    # Without the picked cell's feature and embedding every pick gives the same place distribution.
    with torch.no_grad():
        head = policy.head
        for parameter in (head.picked_feature.weight, head.picked_feature.bias, head.picked_cell.weight):
            parameter.zero_()
    joint = policy.head.probabilities(_logits(policy, rgb, proprio))
    conditional = joint / joint.sum(-1, keepdim=True)
    torch.testing.assert_close(conditional, conditional[:, :1].expand_as(conditional))


def test_the_head_reads_the_visual_tokens():
    policy = _policy(3)
    rgb, proprio = _inputs(policy, 2, seed=5)
    ids, mask = policy.tokenizer.encode(INSTRUCTIONS)
    instructions = policy.encode_instructions(ids, mask)
    out = policy(rgb, proprio, instructions, torch.arange(2))
    visual = torch.cat([policy.proprio(((proprio - policy.proprio_centre) * policy.proprio_scale).flatten(1))[:, None],
                        policy.vision(rgb)[0]], 1)
    torch.testing.assert_close(policy.head(out.context, visual), out.logits)
    assert not torch.allclose(policy.head(out.context, visual.roll(1, 0)), out.logits)
    with pytest.raises(ValueError, match="visual tokens"):
        policy.head(out.context)


def test_save_load_round_trip(tmp_path):
    policy = _policy(4)
    rgb, proprio = _inputs(policy, 3, seed=6)
    loaded = load_policy(save_policy(policy, tmp_path / "ckpt"))
    assert isinstance(loaded.head, PickPlaceHead)
    torch.testing.assert_close(_logits(loaded, rgb, proprio), _logits(policy, rgb, proprio), rtol=0, atol=0)
    spec, config = read_policy_meta(tmp_path / "ckpt")
    assert spec == CELLS and config == replace(TINY, vision_stem="patch", patch_size=8)


def test_a_checkpoint_without_an_action_head_loads_as_independent(tmp_path):
    folder = save_policy(_policy(5, replace(TINY, action_head=None)), tmp_path / "old")
    meta = json.loads((folder / "policy.json").read_text())
    assert meta["config"].pop("action_head") == "independent"  # what build_policy chose
    (folder / "policy.json").write_text(json.dumps(meta))
    assert read_policy_meta(folder)[1].action_head == "independent"
    assert isinstance(load_policy(folder).head, MultiDiscreteHead)


def test_the_action_head_comes_from_the_domain_unless_the_config_names_one(monkeypatch):
    from sim2act.envs import registry

    assert get_domain("grid").vision({}).action_head == "independent"
    grid = registry._DOMAINS["grid"]
    vision = grid.vision({})
    pick_place = replace(grid, vision=lambda options: replace(vision, action_head="pick_place"))
    monkeypatch.setitem(registry._DOMAINS, "grid", pick_place)
    assert domain_defaults(CELLS, PolicyConfig())[1].action_head == "pick_place"
    assert domain_defaults(CELLS, PolicyConfig(action_head="independent"))[1].action_head == "independent"


@pytest.mark.parametrize(
    "action_space",
    [
        {"type": "discrete", "n": 7, "names": list(range(7))},
        {"type": "multi_discrete", "nvec": [16, 9]},
        {"type": "multi_discrete", "nvec": [16, 16, 16]},
        {"type": "box", "low": [-1, -1], "high": [1, 1]},
    ],
)
def test_pick_place_needs_two_equal_multi_discrete_dimensions(action_space):
    with pytest.raises(Sim2ActError, match=r"'pick_place' needs a MultiDiscrete\(\[N, N\]\) action space") as error:
        build_policy(replace(CELLS, action_space=action_space), TINY)
    assert "\n" not in str(error.value)


def test_an_unknown_action_head_is_refused():
    with pytest.raises(Sim2ActError, match="unknown action head 'transporter'; known: independent, pick_place"):
        build_policy(CELLS, replace(TINY, action_head="transporter"))


def test_bilinear_weights_read_the_token_under_a_point():
    from sim2act.models.pick_place_head import bilinear_weights

    weights = bilinear_weights([(0.125, 0.125), (0.5, 0.5), (0.99, 0.01)], (4, 4))
    assert torch.allclose(weights.sum(1), torch.ones(3))
    assert weights[0, 0] == 1.0  # the centre of token (0, 0)
    assert torch.allclose(weights[1, [5, 6, 9, 10]], torch.full((4,), 0.25))  # between four tokens
    assert weights[2, 3] == 1.0  # clamped into the corner token


def test_cells_that_read_the_grid_tell_apart_what_lies_under_them():
    from sim2act.models.pick_place_head import bilinear_weights  # noqa: F401  (the hint is built from it)

    torch.manual_seed(0)
    pixels = [((j + 0.5) / 2, (i + 0.5) / 2) for i in range(2) for j in range(2)]
    head = PickPlaceHead(16, 4, 4, cell_pixels=pixels, token_grid=(2, 2))
    context, tokens = torch.zeros(1, 16), torch.zeros(1, 1 + 4, 16)  # a proprio token, then the 2×2 grid
    words = (torch.randn(1, 3, 16), torch.ones(1, 3, dtype=torch.bool))
    before = head(context, tokens, words).view(4, 4).logsumexp(1)
    tokens[0, 1 + 3] = 5.0  # something under cell 3 only
    after = head(context, tokens, words).view(4, 4).logsumexp(1)
    change = after - before  # log p(pick): normalisation shifts every cell alike; cell 3 must move apart
    assert (change[3] - change[:3].mean()).abs() > 5 * (change[:3].max() - change[:3].min())


def test_the_tabletop_declares_where_its_cells_are_in_the_image():
    vision = get_domain("tabletop").vision({})
    assert vision.action_head == "pick_place" and len(vision.cell_pixels) == 64
    xs, ys = zip(*vision.cell_pixels)
    assert 0 < min(xs) < max(xs) < 1 and 0 < min(ys) < max(ys) < 1
    assert vision.cell_pixels[0][0] < vision.cell_pixels[7][0] and vision.cell_pixels[0][1] < vision.cell_pixels[56][1]
    assert get_domain("tabletop").vision({"action_mode": "ee_delta"}).action_head == "independent"


def test_the_form_prior_learns_from_relief_alone_which_cell_is_picked():
    """The auxiliary loss trains the colour-blind form prior by itself; it is zero outside training."""
    from sim2act.models.small_encoders import FineGrid

    torch.manual_seed(0)
    pixels = [((j + 0.5) / 2, (i + 0.5) / 2) for i in range(2) for j in range(2)]
    head = PickPlaceHead(16, 4, 4, cell_pixels=pixels, token_grid=(2, 2), fine_grid=FineGrid(2, 2, 8, 3)).train()
    context, tokens = torch.zeros(6, 16), torch.zeros(6, 1 + 4, 16)
    words = (torch.randn(6, 3, 16), torch.ones(6, 3, dtype=torch.bool))
    fine = torch.zeros(6, 4, 8)
    picked = torch.arange(6) % 4
    fine[torch.arange(6), picked, -3:] = 1.0  # a bump in the relief where the pick is; nothing else tells
    actions = torch.stack([picked, (picked + 1) % 4], 1)
    optimizer = torch.optim.Adam(head.form_score.parameters(), lr=0.05)
    for _ in range(60):
        head(context, tokens, words, fine)
        loss = head.auxiliary_loss(actions)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.1
    head.eval()
    head(context, tokens, words, fine)
    assert head.auxiliary_loss(actions).item() == 0.0
