"""The ``clip`` backend on a tiny randomly initialised ``CLIPModel`` saved to a local folder."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from sim2act.envs.grid.vocabulary import VOCABULARY
from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig, PolicySpec, build_policy, load_policy, save_policy
from sim2act.models.hf_word_tokenizer import build_hf_word_tokenizer

SPEC = PolicySpec(
    domain="grid",
    image_shape=(56, 56, 3),
    proprio_size=13,
    action_space={"type": "discrete", "n": 7, "names": list(range(7))},
    levels=("GoToLocal",),
)
TINY = dict(d_model=32, heads=2, fusion_layers=1, memory=2)
INSTRUCTIONS = ["go to the red ball", "go to a purple box"]


def _save_tiny_clip(folder, tokenizer) -> None:
    from transformers import CLIPConfig, CLIPModel

    config = CLIPConfig(
        text_config=dict(
            hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
            vocab_size=len(tokenizer), max_position_embeddings=48, bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
        ),
        vision_config=dict(
            hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=56, patch_size=8
        ),
        projection_dim=16,
    )
    torch.manual_seed(0)
    CLIPModel(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))


@pytest.fixture(scope="module")
def clip_source(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clip") / "tiny-clip"
    _save_tiny_clip(folder, build_hf_word_tokenizer(VOCABULARY))
    return folder


@pytest.fixture
def clip_dir(clip_source, tmp_path):
    """A private copy of the tiny CLIP folder that a test may change or delete."""
    return shutil.copytree(clip_source, tmp_path / "clip")


def _inputs(batch=3, memory=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    rgb = torch.randint(0, 256, (batch, memory, 56, 56, 3), dtype=torch.uint8, generator=g)
    proprio = torch.randn(batch, memory, 13, generator=g)
    return rgb, proprio, torch.arange(batch) % len(INSTRUCTIONS)


@torch.no_grad()
def _logits(policy, rgb, proprio, index):
    ids, mask = policy.tokenizer.encode(INSTRUCTIONS)
    instructions = policy.encode_instructions(ids, mask)
    return policy(policy.prepare_frames(rgb), proprio, instructions, index).logits


def test_clip_policy_forward_gives_discrete_logits(clip_source):
    policy = build_policy(SPEC, PolicyConfig(encoder="clip", clip_path=str(clip_source), **TINY)).eval()
    rgb, proprio, index = _inputs(batch=3)
    logits = _logits(policy, rgb, proprio, index)
    assert logits.shape == (3, 7) and torch.isfinite(logits).all()
    out = policy(policy.prepare_frames(rgb), proprio, policy.encode_instructions(*policy.tokenizer.encode(INSTRUCTIONS)), index)
    assert out.context.shape == (3, 32)
    # Different instructions condition the same frames differently.
    assert not torch.allclose(_logits(policy, rgb, proprio, torch.zeros(3, dtype=torch.long)), logits)
    probs = policy.action_probabilities(policy.prepare_frames(rgb), proprio, ["go to the red ball"] * 3)
    actions = policy.head.decode(probs.argmax(-1, keepdim=True))
    assert actions.shape == (3,) and ((actions >= 0) & (actions < 7)).all()
    torch.testing.assert_close(probs.sum(-1), torch.ones(3))


def test_clip_tokenizer_ids_are_the_checkpoints_own(clip_source):
    policy = build_policy(SPEC, PolicyConfig(encoder="clip", clip_path=str(clip_source), **TINY))
    ids, mask = policy.tokenizer.encode(["go to the red ball", "go to"])
    assert ids[0].tolist() == [2] + [4 + VOCABULARY.index(w) for w in "go to the red ball".split()] + [3]
    assert mask[1].tolist() == [True] * 4 + [False] * 3


def test_clip_save_load_round_trip_without_the_original_folder(clip_dir, tmp_path):
    policy = build_policy(SPEC, PolicyConfig(encoder="clip", clip_path=str(clip_dir), **TINY)).eval()
    rgb, proprio, index = _inputs(batch=4, seed=1)
    before = _logits(policy, rgb, proprio, index)
    checkpoint = save_policy(policy, tmp_path / "policy")
    shutil.rmtree(clip_dir)
    loaded = load_policy(checkpoint)
    assert loaded.config.encoder == "clip" and not loaded.training
    torch.testing.assert_close(_logits(loaded, rgb, proprio, index), before, rtol=0, atol=0)
    # ... and the loaded policy saves again into a loadable checkpoint.
    again = load_policy(save_policy(loaded, tmp_path / "again"))
    torch.testing.assert_close(_logits(again, rgb, proprio, index), before, rtol=0, atol=0)


def test_clip_round_trip_keeps_the_image_statistics(clip_dir, tmp_path):
    (clip_dir / "preprocessor_config.json").write_text(json.dumps({"image_mean": [0.5] * 3, "image_std": [0.25] * 3}))
    policy = build_policy(SPEC, PolicyConfig(encoder="clip", clip_path=str(clip_dir), **TINY)).eval()
    rgb, proprio, index = _inputs(batch=2, seed=2)
    before = _logits(policy, rgb, proprio, index)
    checkpoint = save_policy(policy, tmp_path / "policy")
    shutil.rmtree(clip_dir)
    torch.testing.assert_close(_logits(load_policy(checkpoint), rgb, proprio, index), before, rtol=0, atol=0)


def test_missing_clip_folder_is_a_user_error_naming_it(tmp_path):
    missing = tmp_path / "no-such-clip"
    with pytest.raises(Sim2ActError, match="no usable CLIP checkpoint") as error:
        build_policy(SPEC, PolicyConfig(encoder="clip", clip_path=str(missing), **TINY))
    assert str(missing) in str(error.value)


def test_clip_folder_without_weights_is_a_user_error(clip_dir):
    (clip_dir / "model.safetensors").unlink()
    with pytest.raises(Sim2ActError, match="no usable CLIP checkpoint") as error:
        build_policy(SPEC, PolicyConfig(encoder="clip", clip_path=str(clip_dir), **TINY))
    assert str(clip_dir) in str(error.value)


def test_empty_tokenizer_vocabulary_is_refused(clip_dir):
    # A WordLevel tokenizer holding only its special tokens: every word encodes to [UNK].
    build_hf_word_tokenizer([]).save_pretrained(str(clip_dir))
    with pytest.raises(Sim2ActError, match="empty vocabulary") as error:
        build_policy(SPEC, PolicyConfig(encoder="clip", clip_path=str(clip_dir), **TINY))
    assert str(clip_dir) in str(error.value)


def test_clip_encoder_needs_a_path():
    with pytest.raises(Sim2ActError, match="needs --clip-path"):
        build_policy(SPEC, PolicyConfig(encoder="clip", **TINY))


def test_frozen_mode_freezes_both_towers(clip_source):
    frozen = build_policy(SPEC, PolicyConfig(encoder="clip", clip_path=str(clip_source), encoder_mode="frozen", **TINY))
    towers = [frozen.vision.vision_model, frozen.vision.visual_projection, frozen.text.text_model, frozen.text.text_projection]
    tower_params = [p for tower in towers for p in tower.parameters()]
    assert tower_params and not any(p.requires_grad for p in tower_params)
    # The fusion layers and the action head still learn.
    assert all(p.requires_grad for p in frozen.fusion.parameters()) and all(p.requires_grad for p in frozen.head.parameters())
    finetune = build_policy(SPEC, PolicyConfig(encoder="clip", clip_path=str(clip_source), **TINY))
    assert all(p.requires_grad for tower in (finetune.vision.vision_model, finetune.text.text_model) for p in tower.parameters())


def test_frozen_mode_still_trains_the_new_adapters(clip_source):
    frozen = build_policy(SPEC, PolicyConfig(encoder="clip", clip_path=str(clip_source), encoder_mode="frozen", **TINY))
    adapters = [frozen.vision.to_tokens, frozen.vision.to_pooled, frozen.text.to_tokens, frozen.text.to_pooled]
    assert all(p.requires_grad for module in adapters for p in module.parameters())
    assert frozen.vision.time.requires_grad
