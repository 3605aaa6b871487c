"""The small-backend policy: shapes, acting, binned Box actions, safetensors checkpoints, init_from."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import torch
from safetensors.torch import load_file

from sim2act.envs.grid.vocabulary import VOCABULARY
from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig, PolicySpec, build_policy, load_policy, read_policy_meta, save_policy
from sim2act.models.action_head import BinnedHead, DiscreteHead
from sim2act.models.config import VISION_STEMS
from sim2act.models.keypoint_head import KeypointBinnedHead

DISCRETE = PolicySpec(
    domain="grid",
    image_shape=(56, 56, 3),
    proprio_size=13,
    action_space={"type": "discrete", "n": 7, "names": list(range(7))},
    levels=("GoToLocal",),
    vocabulary=VOCABULARY,
)
BOX = PolicySpec(
    domain="grid", image_shape=(56, 56, 3), proprio_size=13, action_space={"type": "box", "low": [-1, -1], "high": [1, 1]},
    vocabulary=VOCABULARY,
)
TINY = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2)
INSTRUCTIONS = ["go to the red ball", "go to a purple box", "pick up the key"]


def _windows(policy, batch, seed=0):
    """Prepared observation windows (B, k, ...) and proprio (B, k, 13) of random frames."""
    g = torch.Generator().manual_seed(seed)
    k = policy.config.memory
    frames = torch.randint(0, 256, (batch * k, 56, 56, 3), dtype=torch.uint8, generator=g)
    prepared = policy.prepare_frames(frames)
    return prepared.view(batch, k, *prepared.shape[1:]), torch.randn(batch, k, 13, generator=g)


@torch.no_grad()
def _forward(policy, rgb, proprio):
    ids, mask = policy.tokenizer.encode(INSTRUCTIONS)
    instructions = policy.encode_instructions(ids, mask)
    return policy(rgb, proprio, instructions, torch.arange(len(rgb)) % len(INSTRUCTIONS))


def test_discrete_forward_shapes():
    torch.manual_seed(0)
    policy = build_policy(DISCRETE, TINY).eval()
    assert isinstance(policy.head, DiscreteHead)
    rgb, proprio = _windows(policy, 5)
    out = _forward(policy, rgb, proprio)
    assert out.logits.shape == (5, 7) and out.context.shape == (5, 32)
    assert policy.embed_actions(torch.tensor([0, 3, 6])).shape == (3, 32)
    probs = policy.action_probabilities(rgb, proprio, ["go to the red ball"] * 5)
    actions = policy.head.decode(probs.argmax(-1, keepdim=True))
    assert actions.shape == (5,) and probs.shape == (5, 7)
    torch.testing.assert_close(probs.sum(-1), torch.ones(5))


def test_box_forward_shapes_and_actions_within_bounds():
    torch.manual_seed(0)
    policy = build_policy(BOX, PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2, action_bins=16)).eval()
    assert isinstance(policy.head, BinnedHead)
    rgb, proprio = _windows(policy, 4)
    out = _forward(policy, rgb, proprio)
    assert out.logits.shape == (4, 2, 16)
    probs = policy.action_probabilities(rgb, proprio, INSTRUCTIONS[:2] * 2)
    sampled = torch.multinomial(probs.view(-1, 16), 1, generator=torch.Generator().manual_seed(0)).view(4, 2)
    for classes in (probs.argmax(-1), sampled):
        actions = policy.head.decode(classes)
        assert actions.shape == (4, 2) and probs.shape == (4, 2, 16)
        assert ((actions >= -1) & (actions <= 1)).all()
    assert policy.embed_actions(torch.tensor([[0.5, -0.5], [1.0, -1.0]])).shape == (2, 32)


def test_binned_head_round_trip_within_half_a_bin():
    head = BinnedHead(8, low=[-1.0, 0.0, -5.0], high=[1.0, 2.0, 5.0], bins=10)
    g = torch.Generator().manual_seed(0)
    low, high = head.low, head.high
    actions = low + torch.rand(1000, 3, generator=g) * (high - low)
    actions = torch.cat([actions, low[None], high[None]])  # both ends of the Box
    targets = head.targets(actions)
    assert targets.shape == (1002, 3) and targets.min() >= 0 and targets.max() <= 9
    decoded = head.decode(targets)
    half_bin = (high - low) / 10 / 2
    assert ((decoded - actions).abs() <= half_bin + 1e-6).all()
    # Bin centres decode to themselves.
    assert torch.equal(head.targets(head.decode(targets)), targets)


def test_save_load_round_trip_gives_identical_logits(tmp_path):
    torch.manual_seed(1)
    policy = build_policy(DISCRETE, TINY).eval()
    rgb, proprio = _windows(policy, 4, seed=3)
    before = _forward(policy, rgb, proprio).logits
    folder = save_policy(policy, tmp_path / "ckpt")
    loaded = load_policy(folder)
    assert not loaded.training
    torch.testing.assert_close(_forward(loaded, rgb, proprio).logits, before, rtol=0, atol=0)
    spec, config = read_policy_meta(folder)
    # The saved config records the defaults it was built with (models know no domain: patch, 8 pixels, independent).
    assert spec == DISCRETE and config == replace(TINY, vision_stem="patch", patch_size=8, action_head="independent")
    # The action embedding scores actions with the loaded policy's head.
    assert loaded.action_embedding.head[0] is loaded.head


@pytest.mark.parametrize("stem", VISION_STEMS)
def test_every_vision_stem_acts_and_round_trips(tmp_path, stem):
    torch.manual_seed(0)
    policy = build_policy(DISCRETE, replace(TINY, vision_stem=stem)).eval()
    rgb, proprio = _windows(policy, 3)
    probs = policy.action_probabilities(rgb, proprio, INSTRUCTIONS)
    loaded = load_policy(save_policy(policy, tmp_path / "ckpt"))
    assert loaded.config.vision_stem == stem
    torch.testing.assert_close(loaded.action_probabilities(rgb, proprio, INSTRUCTIONS), probs)


def test_a_checkpoint_still_loads_after_the_domain_vocabulary_grew(tmp_path, monkeypatch):
    from sim2act.envs import registry

    torch.manual_seed(1)
    policy = build_policy(DISCRETE, TINY).eval()
    rgb, proprio = _windows(policy, 2, seed=5)
    before = _forward(policy, rgb, proprio).logits
    folder = save_policy(policy, tmp_path / "ckpt")
    grid = registry._DOMAINS["grid"]
    grown = replace(grid.grammar, vocabulary=grid.grammar.vocabulary + ("purple-ish",))
    monkeypatch.setitem(registry._DOMAINS, "grid", replace(grid, grammar=grown))
    loaded = load_policy(folder)  # the text encoder is sized from the saved tokenizer, not today's vocabulary
    assert len(loaded.tokenizer) == len(policy.tokenizer)
    torch.testing.assert_close(_forward(loaded, rgb, proprio).logits, before, rtol=0, atol=0)


def test_box_save_load_round_trip(tmp_path):
    torch.manual_seed(2)
    policy = build_policy(BOX, PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2, action_bins=8)).eval()
    rgb, proprio = _windows(policy, 3)
    loaded = load_policy(save_policy(policy, tmp_path / "box"))
    torch.testing.assert_close(_forward(loaded, rgb, proprio).logits, _forward(policy, rgb, proprio).logits, rtol=0, atol=0)
    assert torch.equal(loaded.head.low, torch.tensor([-1.0, -1.0])) and loaded.head.bins == 8


def test_checkpoint_is_safetensors_and_json_only(tmp_path):
    policy = build_policy(DISCRETE, TINY)
    folder = save_policy(policy, tmp_path / "ckpt")
    files = sorted(p.name for p in folder.rglob("*") if p.is_file())
    assert files == ["model.safetensors", "policy.json", "tokenizer.json"]
    assert not [p for p in folder.rglob("*") if p.suffix in (".pt", ".pth", ".bin", ".pkl", ".pickle")]
    state = load_file(str(folder / "model.safetensors"))
    own = policy.state_dict()
    assert set(state) == set(own) and all(torch.equal(state[k], own[k]) for k in own)
    meta = json.loads((folder / "policy.json").read_text())
    assert meta["format"] == 1 and meta["config"]["d_model"] == 32 and meta["spec"]["image_shape"] == [56, 56, 3]


def test_truncated_weights_are_named(tmp_path):
    folder = save_policy(build_policy(DISCRETE, TINY), tmp_path / "ckpt")
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(Sim2ActError, match="corrupt checkpoint file") as error:
        load_policy(folder)
    assert str(weights) in str(error.value)


def test_missing_checkpoint_folder_is_a_user_error(tmp_path):
    with pytest.raises(Sim2ActError, match="no policy checkpoint"):
        load_policy(tmp_path / "nothing-here")
    folder = save_policy(build_policy(DISCRETE, TINY), tmp_path / "ckpt")
    (folder / "model.safetensors").unlink()
    with pytest.raises(Sim2ActError, match="model.safetensors not found"):
        load_policy(folder)


def test_policy_json_that_disagrees_with_the_weights_is_a_user_error(tmp_path):
    folder = save_policy(build_policy(DISCRETE, TINY), tmp_path / "ckpt")
    meta = json.loads((folder / "policy.json").read_text())
    meta["spec"]["action_space"]["n"] = 5
    (folder / "policy.json").write_text(json.dumps(meta))
    with pytest.raises(Sim2ActError, match="does not match its policy.json"):
        load_policy(folder)
    (folder / "policy.json").write_text("{not json")
    with pytest.raises(Sim2ActError, match="corrupt checkpoint file"):
        load_policy(folder)


def test_init_from_copies_the_encoder_weights_exactly(tmp_path):
    torch.manual_seed(10)
    prior = build_policy(DISCRETE, TINY)
    folder = save_policy(prior, tmp_path / "prior")
    torch.manual_seed(11)
    policy = build_policy(DISCRETE, PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2, init_from=str(folder)))
    mine, theirs = policy.state_dict(), prior.state_dict()
    encoders = [k for k in theirs if k.startswith(("vision.", "text."))]
    assert any(k.startswith("vision.") for k in encoders) and any(k.startswith("text.") for k in encoders)
    assert all(torch.equal(mine[k], theirs[k]) for k in encoders)
    # Everything else is this policy's own fresh initialisation.
    assert not torch.equal(mine["head.linear.weight"], theirs["head.linear.weight"])


def test_init_from_a_mismatched_prior_is_refused(tmp_path):
    folder = save_policy(build_policy(DISCRETE, PolicyConfig(d_model=64, heads=2, fusion_layers=1, memory=2)), tmp_path / "wide")
    with pytest.raises(Sim2ActError, match="do not match this policy"):
        build_policy(DISCRETE, PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2, init_from=str(folder)))


@pytest.mark.parametrize(
    "config, message",
    [
        (PolicyConfig(encoder="big"), "unknown encoder"),
        (PolicyConfig(encoder_mode="thawed"), "unknown encoder mode"),
        (PolicyConfig(d_model=30, heads=4), "bad policy shape"),
        (PolicyConfig(memory=0), "bad policy shape"),
    ],
)
def test_bad_policy_config_is_refused(config, message):
    with pytest.raises(Sim2ActError, match=message):
        build_policy(DISCRETE, config)


def test_keypoint_head_reads_where_its_queries_attend():
    torch.manual_seed(0)
    policy = build_policy(BOX, PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2, action_bins=16,
                                            action_head="keypoints", vision_stem="patch", patch_size=8)).eval()
    assert isinstance(policy.head, KeypointBinnedHead)
    rgb, proprio = _windows(policy, 3)
    out = _forward(policy, rgb, proprio)
    assert out.logits.shape == (3, 2, 16)
    probs = policy.action_probabilities(rgb, proprio, INSTRUCTIONS)
    torch.testing.assert_close(probs.sum(-1), torch.ones(3, 2))
    head = policy.head
    rows_cols = head.tokens
    tokens = torch.zeros(1, 1 + rows_cols, 32)
    tokens[0, 1 + rows_cols - 1] = 50.0  # one grid token (the bottom-right one) stands out along every key direction
    with torch.no_grad():
        head.key.weight.copy_(torch.eye(32))
        head.key.bias.zero_()
        head.query.weight.zero_()
        head.query.bias.fill_(1.0)
        points = head.keypoint_positions(torch.zeros(1, 32), tokens)
    torch.testing.assert_close(points, torch.ones(1, head.keypoints, 2))


def test_keypoint_head_is_for_box_actions_only():
    with pytest.raises(Sim2ActError, match="action head 'keypoints' is for Box action spaces, not 'discrete' ones"):
        build_policy(DISCRETE, PolicyConfig(d_model=32, heads=2, fusion_layers=1, action_head="keypoints"))
