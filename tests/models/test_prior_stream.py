"""The prior stream: π0's frozen cell scores inside the pick_place head, words never read left to it, checkpoints."""

from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pytest
import torch
from gymnasium import spaces

from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.envs import get_domain, make
from sim2act.errors import Sim2ActError
from sim2act.models import PolicyConfig, PolicySpec, build_policy, load_policy
from sim2act.models.prior_stream import drop_words
from sim2act.proposers.cell_prior import CellPriorProposer
from sim2act.proposers.policy import PolicyProposer
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.training import TrainConfig, train
from sim2act.training.batches import TrainingSteps
from sim2act.training.trainer import domain_defaults

TINY = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=1, word_dropout=0.2)


@pytest.fixture(scope="module")
def put_in_bowl(tmp_path_factory):
    out = tmp_path_factory.mktemp("data") / "put-in-bowl"
    generate(GenerateConfig(domain="tabletop", level="put-in-bowl", proposer="uniform", episodes=4, num_envs=2,
                            labels="none"), out)
    return out


def _policy(data, prior, **overrides):
    spec, config = domain_defaults(PolicySpec.from_card(load_card(DatasetLayout(data).card)),
                                   replace(TINY, prior_stream=str(prior), **overrides))
    torch.manual_seed(0)
    return build_policy(spec, config)


def _frames(seed, n):
    env = make("tabletop", "put-in-bowl")
    observations = []
    for i in range(n):
        obs, _ = env.reset(seed=seed + i)
        observations.append(obs)
    env.close()
    return observations


def test_the_stream_scores_cells_as_pi0_proposes_them(put_in_bowl, tabletop_prior):
    policy = _policy(put_in_bowl, tabletop_prior)
    observations = _frames(100, 3)
    cells = policy.config.cell_pixels
    proposer = CellPriorProposer(spaces.MultiDiscrete([len(cells)] * 2), tabletop_prior, cells,
                                 get_domain("tabletop").grammar.action_phrases)
    frames = torch.from_numpy(np.stack([o["rgb"] for o in observations]))
    scores = policy.prior_scores(frames, [o["instruction"] for o in observations])
    assert scores.shape == (3, 2, len(cells))
    expected = proposer.cell_probabilities(observations)
    np.testing.assert_allclose(torch.softmax(scores.double(), -1).numpy(), expected, atol=1e-5)


def test_words_never_read_in_training_carry_no_content():
    trained = torch.tensor([True, True, False, True])
    ids = torch.tensor([[1, 2, 3, 0], [1, 3, 0, 0]])
    mask = ids != 0
    kept, unread = drop_words(torch.ones(2, 4, 5), ids, mask, trained, dropout=0.0, training=False)
    assert kept[:, :, 0].tolist() == [[1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]] and unread.tolist() == [True, False]
    torch.manual_seed(0)
    ids = torch.ones(2000, 10, dtype=torch.long)
    dropped, unread = drop_words(torch.ones(2000, 10, 2), ids, ids != 0, trained, 0.25, training=True)
    assert 0.2 < unread.float().mean() < 0.3  # a quarter of the instructions lose words, about half of theirs
    assert 0.4 < 1 - dropped[unread][:, :, 0].mean() < 0.6 and dropped[~unread].all()
    kept, unread = drop_words(torch.ones(2000, 10, 2), ids, ids != 0, trained, 0.25, training=False)
    assert kept.all() and not unread.any()


def test_training_marks_the_words_it_read_and_the_checkpoint_carries_pi0(put_in_bowl, tabletop_prior, tmp_path):
    prior = tmp_path / "prior"
    shutil.copytree(tabletop_prior, prior)
    config = TrainConfig(data=str(put_in_bowl), policy=replace(TINY, prior_stream=str(prior)), steps=3, batch_size=8,
                         warmup_steps=1, log_every=3, checkpoint_every=3)
    summary = train(config, tmp_path / "run")
    shutil.rmtree(prior)  # the checkpoint needs no π0 folder beside it
    policy = load_policy(summary.checkpoint)
    read = {policy.tokenizer.vocab[i] for i in policy.trained_words.nonzero().flatten().tolist()}
    data = TrainingSteps(put_in_bowl, policy)
    assert read == {policy.tokenizer.vocab[i] for i in data.text_ids.unique().tolist()}
    assert "orange" not in read and data.prior.shape == (len(data), 2, 64)
    assert policy.head.prior_weight.requires_grad and not any(p.requires_grad for p in policy.prior_stream.parameters())

    observations = _frames(200, 2)
    proposer = PolicyProposer(policy, greedy=True)
    first = proposer.distribution(observations, [None, None], [0, 1]).probs
    again = PolicyProposer(load_policy(summary.checkpoint), greedy=True).distribution(observations, [None, None], [0, 1])
    np.testing.assert_array_equal(first, again.probs)


def test_the_stream_is_refused_where_it_cannot_score_cells(put_in_bowl, tabletop_prior, tmp_path):
    with pytest.raises(Sim2ActError, match="names the π0 of a `sim2act run` loop"):
        _policy(put_in_bowl, "loop")
    with pytest.raises(Sim2ActError, match="no such π0 folder"):
        _policy(put_in_bowl, tmp_path / "missing")
    with pytest.raises(Sim2ActError, match="not the 'independent' head"):
        _policy(put_in_bowl, tabletop_prior, action_head="independent")
    with pytest.raises(Sim2ActError, match="word_dropout"):
        PolicyConfig(word_dropout=1.0).validated()
    with pytest.raises(Sim2ActError, match="prior_stream_rows must be one of all, unread"):
        PolicyConfig(prior_stream_rows="some").validated()


def test_an_unread_stream_speaks_only_for_instructions_with_words_the_head_cannot_read(put_in_bowl, tabletop_prior):
    policy = _policy(put_in_bowl, tabletop_prior, prior_stream_rows="unread").eval()
    policy.read_words(policy.tokenizer.encode(["put the red block in the blue bowl"])[0])
    observations = _frames(300, 2)
    frames = torch.from_numpy(np.stack([o["rgb"] for o in observations]))
    read, unread = "put the red block in the blue bowl", "put the orange block in the blue bowl"
    with torch.no_grad():
        policy.head.prior_weight.fill_(0.0)
        blind = [policy.action_probabilities(_windows(policy, frames), torch.zeros(2, 1, policy.spec.proprio_size),
                                             [text] * 2, frames) for text in (read, unread)]
        policy.head.prior_weight.fill_(50.0)
        steered = [policy.action_probabilities(_windows(policy, frames), torch.zeros(2, 1, policy.spec.proprio_size),
                                               [text] * 2, frames) for text in (read, unread)]
    torch.testing.assert_close(blind[0], steered[0])  # every word read: π0 stays silent
    picks = steered[1].sum(-1).argmax(-1)
    scores = policy.prior_scores(frames, [unread] * 2)[:, 0]
    assert torch.equal(picks, scores.argmax(-1))  # a word never read: π0's pick wins at a large weight


def _windows(policy, frames):
    from sim2act.observations import compose_image

    spec = policy.spec
    images = [compose_image({**o, "rgb": f.numpy()}, spec.cameras, spec.depth, spec.depth_range)
              for o, f in zip(_frames(300, len(frames)), frames)]
    return policy.prepare_frames(torch.from_numpy(np.stack(images))).unsqueeze(1)
