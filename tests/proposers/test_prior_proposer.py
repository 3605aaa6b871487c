"""The preview proposer π0: softmax over previewed outcomes scored by a frozen CLIP against the instruction."""

import gymnasium as gym
import numpy as np
import pyarrow.parquet as pq
import pytest
import torch
from gymnasium import spaces

import sim2act.envs
from sim2act.actions.distributions import CandidateActions, Categorical
from sim2act.data.card import ShardStats, load_card
from sim2act.data.layout import DatasetLayout
from sim2act.envs.grid.vocabulary import VOCABULARY
from sim2act.errors import Sim2ActError
from sim2act.models.hf_word_tokenizer import build_hf_word_tokenizer
from sim2act.priors import PriorConfig, pretrain_prior
from sim2act.proposers import MixtureProposer, make_proposer
from sim2act.proposers.prior import PriorProposer
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.rollout.recorder import EpisodeRecorder

TINY_PRIOR = PriorConfig(frames=200, steps=5, batch_size=32, hidden_size=16, layers=1, heads=2, projection_dim=16)


@pytest.fixture(scope="module")
def prior(tmp_path_factory):
    return pretrain_prior(TINY_PRIOR, tmp_path_factory.mktemp("prior") / "grid").out


def grid_envs(n, level="GoToLocal"):
    envs = [EpisodeRecorder(sim2act.envs.make("grid", level)) for _ in range(n)]
    observations = [env.reset(seed=seed)[0] for seed, env in enumerate(envs)]
    return envs, observations


def test_distribution_is_valid_counts_previews_and_moves_nothing(prior):
    envs, observations = grid_envs(3)
    proposer = PriorProposer(envs[0].action_space, prior)
    states = [(env.unwrapped.level_env.step_count, tuple(env.unwrapped.level_env.agent_pos)) for env in envs]
    dist = proposer.distribution(observations, envs, [0, 1, 2])
    assert isinstance(dist, Categorical) and dist.probs.shape == (3, 7)
    assert (dist.probs >= 0).all() and np.allclose(dist.probs.sum(1), 1.0)
    assert proposer.preview_steps == 21
    assert states == [(env.unwrapped.level_env.step_count, tuple(env.unwrapped.level_env.agent_pos)) for env in envs]
    actions = dist.sample(np.random.default_rng(0))
    assert actions.shape == (3,) and np.isfinite(dist.log_prob(actions)).all()
    proposer.distribution(observations[:1], envs[:1], [0])
    assert proposer.preview_steps == 28
    assert len(proposer._instructions) == len({o["instruction"] for o in observations})  # embedded once each


@torch.no_grad()
def test_probabilities_are_a_softmax_over_distinct_outcomes(prior):
    envs, observations = grid_envs(2)
    proposer = PriorProposer(envs[0].action_space, prior, temperature=0.05)
    probs = proposer.distribution(observations, envs, [0, 1]).probs
    for row, env in enumerate(envs):
        previews = env.unwrapped.preview(range(7))
        scores = proposer.scores([previews], [observations[row]["instruction"]])[0].double()
        outcomes = {}
        for action, obs in enumerate(previews):
            outcomes.setdefault(obs["rgb"].tobytes() + obs["proprio"].tobytes(), []).append(action)
        assert len(outcomes) < 7  # some actions change nothing (drop, done, ...)
        weights = {k: torch.exp(scores[a[0]] / 0.05) for k, a in outcomes.items()}
        total = sum(weights.values())
        for key, members in outcomes.items():
            for action in members:
                assert probs[row, action] == pytest.approx(float(weights[key] / total / len(members)), rel=1e-5)
    plain = PriorProposer(envs[0].action_space, prior, temperature=0.05, merge_outcomes=False)
    expected = torch.softmax(plain.scores([e.unwrapped.preview(range(7)) for e in envs], [o["instruction"] for o in observations]) / 0.05, -1)
    np.testing.assert_allclose(plain.distribution(observations, envs, [0, 1]).probs, expected.double().numpy(), rtol=1e-5)


def test_temperature_defaults_to_the_priors_logit_scale_and_sharpens(prior):
    envs, observations = grid_envs(4)
    default = PriorProposer(envs[0].action_space, prior)
    assert default.temperature == pytest.approx(1.0 / default.embedder.logit_scale)
    sharp = PriorProposer(envs[0].action_space, prior, temperature=1e-4).distribution(observations, envs, range(4))
    flat = PriorProposer(envs[0].action_space, prior, temperature=100.0).distribution(observations, envs, range(4))
    entropy = lambda p: -(p * np.log(np.where(p > 0, p, 1))).sum(1)  # noqa: E731
    assert (entropy(sharp.probs) < entropy(flat.probs)).all()
    with pytest.raises(Sim2ActError, match="--prior-temperature"):
        PriorProposer(envs[0].action_space, prior, temperature=0.0)


class Dot(gym.Env):
    """A white dot on a black 56×56 frame, moved by a 2-d Box action; previews move a copy of it."""

    observation_space = spaces.Dict(
        {"rgb": spaces.Box(0, 255, (56, 56, 3), np.uint8), "instruction": spaces.Text(64, charset="abcdefghijklmnopqrstuvwxyz ")}
    )
    action_space = spaces.Box(-1.0, 1.0, (2,), np.float32)

    def reset(self, *, seed=None, options=None):
        self.position = np.array([28.0, 28.0])
        return self._obs(self.position), {}

    def step(self, action):
        self.position = np.clip(self.position + 10 * np.asarray(action), 0, 55)
        return self._obs(self.position), 0.0, False, False, {}

    def preview(self, actions):
        return [self._obs(np.clip(self.position + 10 * np.asarray(a), 0, 55)) for a in actions]

    def _obs(self, position):
        frame = np.zeros((56, 56, 3), np.uint8)
        x, y = position.astype(int)
        frame[max(0, y - 3) : y + 4, max(0, x - 3) : x + 4] = 255
        return {"rgb": frame, "instruction": "go to the red ball"}


def test_box_actions_are_scored_candidates(prior):
    envs = [Dot(), Dot()]
    observations = [env.reset()[0] for env in envs]
    proposer = PriorProposer(Dot.action_space, prior, candidates=8)
    dist = proposer.distribution(observations, envs, [0, 1])
    assert isinstance(dist, CandidateActions) and dist.actions.shape == (2, 8, 2) and dist.probs.shape == (2, 8)
    assert np.allclose(dist.probs.sum(1), 1.0) and proposer.preview_steps == 16
    actions = dist.sample(np.random.default_rng(0))
    assert actions.shape == (2, 2) and (np.abs(actions) <= 1).all()
    assert np.isfinite(dist.log_prob(actions)).all() and dist.log_prob(np.full((2, 2), 5.0)).max() == -np.inf
    # Candidates are a function of the observation: the same state proposes the same candidates.
    again = proposer.distribution(observations, envs, [0, 1])
    np.testing.assert_array_equal(again.actions, dist.actions)


class DotWithChunks(Dot):
    """A ``Dot`` whose previews can hold an action for several steps."""

    def preview(self, actions, repeat=1):
        return [self._obs(np.clip(self.position + 10 * repeat * np.asarray(a), 0, 55)) for a in actions]


def test_chunks_are_previewed_then_followed_without_previews(prior):
    env = DotWithChunks()
    observation = env.reset()[0]
    proposer = PriorProposer(Dot.action_space, prior, candidates=4, horizon=3)
    proposer.begin_episode(0, env)
    dist = proposer.distribution([observation], [env], [0])
    assert proposer.preview_steps == 4 * 3
    action = dist.sample(np.random.default_rng(0))[0]
    proposer.executed(0, action)
    for _ in range(2):  # the chunk's remaining steps: the same action, certain, no previews
        observation = env.step(action)[0]
        held = proposer.distribution([observation], [env], [0])
        assert proposer.preview_steps == 12 and held.log_prob(action[None])[0] == 0.0
        np.testing.assert_array_equal(held.sample(np.random.default_rng(1))[0], action)
        proposer.executed(0, action)
    observation = env.step(action)[0]
    proposer.distribution([observation], [env], [0])  # the chunk is done: a fresh preview
    assert proposer.preview_steps == 24


def test_an_action_from_elsewhere_ends_the_chunk(prior):
    env = DotWithChunks()
    observation = env.reset()[0]
    proposer = PriorProposer(Dot.action_space, prior, candidates=4, horizon=3)
    proposer.begin_episode(0, env)
    proposer.distribution([observation], [env], [0])
    proposer.executed(0, np.array([0.123, -0.456], np.float32))  # a mixture's uniform draw, not a candidate
    proposer.distribution([env.step([0.123, -0.456])[0]], [env], [0])
    assert proposer.preview_steps == 24


def test_chunks_need_a_box_space_and_an_env_that_repeats(prior):
    with pytest.raises(Sim2ActError, match="prior-horizon"):
        PriorProposer(spaces.Discrete(3), prior, horizon=2)
    env = Dot()
    proposer = PriorProposer(Dot.action_space, prior, horizon=2)
    with pytest.raises(Sim2ActError, match="takes no repeat"):
        proposer.distribution([env.reset()[0]], [env], [0])
    with pytest.raises(Sim2ActError, match="only in prior mode 'preview'"):
        make_proposer("prior", Dot.action_space, prior=str(prior), prior_mode="cells", prior_horizon=2)


def test_env_without_preview_is_refused(prior):
    env = gym.make("CartPole-v1")
    env.reset(seed=0)
    proposer = PriorProposer(spaces.Discrete(2), prior)
    with pytest.raises(Sim2ActError, match="no preview"):
        proposer.distribution([{"rgb": np.zeros((56, 56, 3), np.uint8), "instruction": "go to a box"}], [env], [0])


def test_make_proposer_options(prior):
    space = spaces.Discrete(7)
    assert isinstance(make_proposer("prior", space, prior=str(prior), prior_temperature=0.1), PriorProposer)
    mixed = make_proposer("prior", space, 0.5, prior=str(prior))
    assert isinstance(mixed, MixtureProposer) and mixed.preview_steps == 0
    assert make_proposer("uniform", space, prior=None).preview_steps == 0  # unset options are left out
    with pytest.raises(Sim2ActError, match="needs --prior PATH"):
        make_proposer("prior", space)
    with pytest.raises(Sim2ActError, match="takes no option --prior"):
        make_proposer("uniform", space, prior=str(prior))


def test_plain_clip_folder_works_as_prior(tmp_path):
    from transformers import CLIPConfig, CLIPModel

    tokenizer = build_hf_word_tokenizer(VOCABULARY)
    tower = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2)
    config = CLIPConfig(
        text_config=dict(**tower, vocab_size=len(tokenizer), max_position_embeddings=48, eos_token_id=tokenizer.eos_token_id),
        vision_config=dict(**tower, image_size=32, patch_size=8),
        projection_dim=16,
    )
    CLIPModel(config).save_pretrained(str(tmp_path / "clip"))
    tokenizer.save_pretrained(str(tmp_path / "clip"))
    envs, observations = grid_envs(2)
    dist = PriorProposer(envs[0].action_space, tmp_path / "clip").distribution(observations, envs, [0, 1])
    assert np.allclose(dist.probs.sum(1), 1.0)


def test_generation_counts_preview_steps_per_shard_and_keeps_them_on_resume(prior, tmp_path):
    config = GenerateConfig(episodes=8, num_envs=4, shard_episodes=4, proposer="prior", prior=str(prior))
    out = tmp_path / "data"
    summary = generate(config, out)
    assert summary.preview_steps == 7 * summary.executed_steps  # every executed step previewed all 7 actions
    card = load_card(DatasetLayout(out).card)
    assert card.counts["preview_steps"] == summary.preview_steps
    assert [s.preview_steps for s in card.shards.values()] == [7 * s.executed_steps for s in card.shards.values()]
    # A run killed while writing shard 1 resumes it; the card's preview steps end up the same.
    layout = DatasetLayout(out)
    first = card.shards[0].preview_steps
    del card.shards[1]
    card.save(layout.card)
    layout.steps_shard(1).unlink()
    layout.episodes_shard(1).unlink()
    resumed = generate(config, out)
    assert resumed.resumed_episodes == 4 and resumed.preview_steps == summary.preview_steps - first
    assert load_card(layout.card).counts["preview_steps"] == summary.preview_steps
    # Cards written before preview steps were counted still load (as 0).
    assert ShardStats(episodes=1, steps=3, successes=0).preview_steps == 0


def test_reusing_previews_of_repeated_states_gives_the_same_data_for_fewer_simulator_steps(prior, tmp_path):
    common = dict(episodes=12, num_envs=4, shard_episodes=6, proposer="prior", prior=str(prior), labels="both", erase_loops=True)
    plain = generate(GenerateConfig(**common), tmp_path / "plain")
    reused = generate(GenerateConfig(**common, reuse_previews=True), tmp_path / "reused")
    assert reused.executed_steps == plain.executed_steps and reused.rollout_successes == plain.rollout_successes
    # The same states give the same previews, so only the previews of states seen before are saved.
    assert 0 < reused.preview_steps < plain.preview_steps == 7 * plain.executed_steps
    for name, summary in (("plain", plain), ("reused", reused)):
        assert load_card(DatasetLayout(tmp_path / name).card).counts["preview_steps"] == summary.preview_steps
    for shard in ("data/shard-00000.parquet", "meta/episodes/shard-00001.parquet"):
        assert pq.read_table(tmp_path / "plain" / shard).equals(pq.read_table(tmp_path / "reused" / shard))


def test_reused_scores_are_forgotten_when_a_slot_starts_an_episode(prior):
    envs, observations = grid_envs(1)
    proposer = PriorProposer(envs[0].action_space, prior, reuse_previews=True)
    proposer.begin_episode(0, envs[0])
    first = proposer.distribution(observations, envs, [0]).probs
    again = proposer.distribution(observations, envs, [0]).probs  # same state: no simulator call
    assert proposer.preview_steps == 7 and proposer.reused_previews == 7 and np.array_equal(first, again)
    observations = [envs[0].reset(seed=1)[0]]
    proposer.begin_episode(0, envs[0])
    proposer.distribution(observations, envs, [0])
    assert proposer.preview_steps == 14

