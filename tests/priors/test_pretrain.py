"""Pretraining the prior on a tiny budget: a Hugging Face folder that load_clip reads and that beats chance."""

import json
import shutil
from collections import Counter

import numpy as np
import pytest
import torch

from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig, PolicySpec, build_policy
from sim2act.models.clip_encoders import CLIP_MEAN, CLIP_STD, image_statistics, load_clip
from sim2act.priors import ClipEmbedder, PriorConfig, is_prior, pretrain_prior, read_prior_info
from sim2act.priors.frames import collect_frames
from sim2act.tasks import SPLITS, belongs_to, names_held_out

# About 12 s on one core; seed 2 is a run that has left chance behind by then (all runs are deterministic).
TINY = PriorConfig(
    frames=1500, steps=250, batch_size=64, hidden_size=32, layers=1, heads=2, projection_dim=32,
    warmup_steps=10, lr=3e-3, held_out_fraction=0.25, seed=2,
)


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    out = tmp_path_factory.mktemp("prior") / "grid"
    return out, pretrain_prior(TINY, out)


def test_prior_folder_loads_through_load_clip(pretrained):
    out, summary = pretrained
    model, tokenizer = load_clip(out)
    assert model.config.vision_config.image_size == 56 and model.config.vision_config.patch_size == 8
    assert tokenizer("go to the red ball")["input_ids"][1:-1] == tokenizer.convert_tokens_to_ids("go to the red ball".split())
    mean, std = image_statistics(out)  # what the policy's clip backend normalises frames with
    assert np.allclose(mean, CLIP_MEAN) and np.allclose(std, CLIP_STD)
    assert {"config.json", "model.safetensors", "tokenizer.json", "preprocessor_config.json", "prior.json"} <= {
        p.name for p in out.iterdir()
    }


@torch.no_grad()
def test_policy_clip_backend_starts_from_the_prior(pretrained):
    """``sim2act train --encoder clip --clip-path PRIOR`` builds its towers from the prior's weights."""
    out, _ = pretrained
    spec = PolicySpec(domain="grid", image_shape=(56, 56, 3), proprio_size=13, action_space={"type": "discrete", "n": 7})
    policy = build_policy(spec, PolicyConfig(encoder="clip", clip_path=str(out), d_model=32, heads=2, memory=2)).eval()
    prior_model, _ = load_clip(out)
    torch.testing.assert_close(policy.vision.vision_model.state_dict(), prior_model.vision_model.state_dict())
    frames = torch.randint(0, 256, (2, 2, 56, 56, 3), dtype=torch.uint8)
    probs = policy.action_probabilities(policy.prepare_frames(frames), torch.zeros(2, 2, 13), ["go to the red ball"] * 2)
    torch.testing.assert_close(probs.sum(-1), torch.ones(2))


def test_init_from_takes_a_pretrain_prior_folder(pretrained):
    """``sim2act train --encoder clip --init-from PRIOR`` starts the towers from the prior, as documented."""
    out, _ = pretrained
    spec = PolicySpec(domain="grid", image_shape=(56, 56, 3), proprio_size=13, action_space={"type": "discrete", "n": 7})
    policy = build_policy(spec, PolicyConfig(encoder="clip", init_from=str(out), d_model=32, heads=2, memory=2))
    prior_model, _ = load_clip(out)
    torch.testing.assert_close(policy.text.text_model.state_dict(), prior_model.text_model.state_dict())
    with pytest.raises(Sim2ActError, match="is a CLIP-architecture prior, not a sim2act policy"):
        build_policy(spec, PolicyConfig(init_from=str(out), d_model=32, heads=2, memory=2))


def test_prior_json_records_config_and_measurements(pretrained):
    out, summary = pretrained
    info = read_prior_info(out)
    assert is_prior(out)
    assert info["config"]["frames"] == TINY.frames and info["config"]["seed"] == TINY.seed
    assert info["frames"] == 1500 and info["steps"] == 250 and info["frames_seen"] == 250 * 64
    assert info["train_frames"] + info["held_out_frames"] == 1500
    assert np.isfinite(info["final_loss"]) and info["final_loss"] == pytest.approx(summary.final_loss, abs=1e-4)
    assert info["retrieval_accuracy"] == pytest.approx(summary.retrieval.accuracy, abs=1e-4)


def test_held_out_retrieval_beats_chance(pretrained):
    _, summary = pretrained
    retrieval = summary.retrieval
    assert retrieval.frames > 50 and retrieval.candidates > 10
    assert retrieval.accuracy > 2 * retrieval.chance


@torch.no_grad()
def test_frames_nearest_to_an_instruction_score_higher_with_it(pretrained):
    """On new frames: cos(frame, "go to X") is higher where X is the nearest goal than where X is not in view."""
    out, _ = pretrained
    embedder = ClipEmbedder.load(out)
    frames = collect_frames(PriorConfig(frames=600, seed=99))
    table, n = frames.captions, len(frames)
    nearest = [table.nearest(r)[1] for r in range(n)]
    target = Counter(t for ids in nearest for t in ids if table.texts[t].startswith("go to")).most_common(1)[0][0]
    near = [r for r in range(n) if target in nearest[r]]
    unseen = [r for r in range(n) if not ((table.text[r] == target) & (table.steps[r] >= 0)).any()]
    text = embedder.texts([table.texts[target]])[0]
    near_cos = embedder.images(torch.from_numpy(frames.frames[near])) @ text
    unseen_cos = embedder.images(torch.from_numpy(frames.frames[unseen])) @ text
    assert len(near) >= 5 and near_cos.mean() > unseen_cos.mean()


def test_frames_come_from_train_split_tasks_only():
    frames = collect_frames(PriorConfig(frames=300, seed=5))
    assert len(frames) == 300 and frames.frames.dtype == np.uint8 and frames.frames.shape[1:] == (56, 56, 3)
    assert len(frames.tasks) == frames.episode.max() + 1
    assert all(belongs_to(SPLITS["train"], "grid", t.seed, t.instruction) for t in frames.tasks)
    texts = set(frames.captions.texts)
    assert any(t.startswith("go to") for t in texts)
    assert not any(names_held_out("grid", t) for t in texts), "a held-out pair's phrase reached the prior"
    train, held = frames.split(0.25)
    assert set(frames.episode[train]).isdisjoint(frames.episode[held]) and len(train) + len(held) == 300


def test_co_levels_take_turns_episode_by_episode():
    frames = collect_frames(PriorConfig(frames=120, seed=5, co_levels=["GoToObj"]).validated())
    levels = [t.level for t in frames.tasks]
    assert levels[:4] == ["GoToLocal", "GoToObj", "GoToLocal", "GoToObj"]
    assert frames.tasks[0] == collect_frames(PriorConfig(frames=20, seed=5).validated()).tasks[0]


def test_out_folder_rules(tmp_path, pretrained):
    prior, _ = pretrained
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(Sim2ActError, match="holds no sim2act prior"):
        pretrain_prior(TINY, busy)
    assert (busy / "notes.txt").read_text() == "mine"
    (tmp_path / "file").write_text("x")
    with pytest.raises(Sim2ActError, match="is a file"):
        pretrain_prior(TINY, tmp_path / "file")
    # An existing prior is replaced by a new one; --overwrite replaces anything.
    small = PriorConfig(frames=60, steps=2, batch_size=16, hidden_size=16, layers=1, heads=2, projection_dim=8)
    again = shutil.copytree(prior, tmp_path / "again")
    pretrain_prior(small, again)
    assert read_prior_info(again)["config"]["frames"] == 60
    pretrain_prior(small, busy, overwrite=True)
    assert is_prior(busy) and not (busy / "notes.txt").exists()
    assert not list(tmp_path.glob(".*"))  # no staging folder left behind


@pytest.mark.parametrize(
    "change,message",
    [
        (dict(frames=5), "--frames"),
        (dict(steps=0), "--steps"),
        (dict(hidden_size=30, heads=4), "multiple of --heads"),
        (dict(caption_discount=0.0), "--caption-discount"),
        (dict(domain="mujoco"), "unknown domain"),
        (dict(level="GoToLocl"), "did you mean"),
        (dict(patch_size=0), "--patch-size must be at least 1"),
    ],
)
def test_bad_config_is_one_line_error(tmp_path, change, message):
    config = PriorConfig(**{**vars(PriorConfig(frames=40, steps=1, batch_size=8)), **change})
    with pytest.raises(Sim2ActError, match=message) as error:
        pretrain_prior(config, tmp_path / "out")
    assert "\n" not in str(error.value)


def test_corrupt_prior_json_is_one_line_error(tmp_path):
    (tmp_path / "prior.json").write_text("{not json")
    with pytest.raises(Sim2ActError, match="corrupt prior file"):
        read_prior_info(tmp_path)
    with pytest.raises(Sim2ActError, match="no sim2act prior"):
        read_prior_info(tmp_path / "missing")
    (tmp_path / "prior.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(Sim2ActError, match="unsupported prior format"):
        read_prior_info(tmp_path)
