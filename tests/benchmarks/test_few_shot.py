"""Few-shot rounds: budgets refused in one line, folders keyed by the configuration, several rounds chained and resumed."""

from pathlib import Path

import pytest

from sim2act.benchmarks.few_shot import FewShotConfig
from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.errors import Sim2ActError


@pytest.mark.parametrize("kwargs, message", [
    ({"episodes": (10, 0)}, "episode budgets must be >= 1"),
    ({"alpha": 1.5}, "alpha must lie in [0, 1]"),
    ({"train_steps": 0}, "train_steps must be >= 1"),
    ({"proposer": "expert"}, "few-shot proposer must be one of policy, prior"),
])
def test_bad_few_shot_config_is_refused(kwargs, message):
    with pytest.raises(Sim2ActError, match=message.replace("[", r"\[").replace("]", r"\]")):
        FewShotConfig(**kwargs)


def test_default_few_shot_config_is_valid():
    config = FewShotConfig()
    assert config.episodes == (10, 100) and 0 <= config.alpha <= 1


def test_the_few_shot_round_recolours_frames_as_the_policy_was_trained(tmp_path):
    from sim2act.benchmarks.few_shot import adapt
    from sim2act.models import PolicyConfig
    from sim2act.rollout.generation import GenerateConfig, generate
    from sim2act.training import TrainConfig, train
    from sim2act.training.checkpoints import training_config_of

    generate(GenerateConfig(level="GoToLocal", proposer="uniform", episodes=4, num_envs=2, labels="both"), tmp_path / "d")
    tiny = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2)
    config = FewShotConfig(episodes=(2,), train_steps=2, batch_size=8)
    for jitter in (0.0, 0.3):
        start = train(TrainConfig(data=str(tmp_path / "d"), policy=tiny, steps=2, batch_size=8, warmup_steps=0,
                                  jitter=jitter), tmp_path / f"base-{jitter}")
        adapted = adapt(str(start.checkpoint), "grid", "GoToLocal", 2, 0, tmp_path / f"adapted-{jitter}", config)
        assert adapted.checkpoint != str(start.checkpoint)
        assert training_config_of(adapted.checkpoint).jitter == jitter


def test_folder_names_key_the_rounds_configuration():
    assert FewShotConfig().folder_name(50) == "episodes-50"
    assert FewShotConfig(proposer="prior").folder_name(50) == "episodes-50-prior"
    keyed = FewShotConfig(rounds=2).folder_name(50)
    assert keyed.startswith("episodes-50-") and keyed != FewShotConfig(train_steps=500).folder_name(50)
    assert FewShotConfig(episodes=(7,), rounds=2).folder_name(50) == keyed  # the budgets are not part of the key


@pytest.mark.parametrize("kwargs, message", [
    ({"episodes": (10, 3), "rounds": 4}, "rounds must be >= 1 and at most every episode budget"),
    ({"replay_fraction": 1.0}, "replay_fraction must lie strictly between 0 and 1"),
    ({"replay_fraction": 0.0}, "replay_fraction must lie strictly between 0 and 1"),
])
def test_rounds_and_replay_share_are_checked(kwargs, message):
    with pytest.raises(Sim2ActError, match=message):
        FewShotConfig(**kwargs)


def test_later_rounds_are_collected_by_the_policy_the_round_before_fine_tuned_and_resume_without_duplicates(tmp_path):
    from sim2act.benchmarks.few_shot import adapt
    from sim2act.models import PolicyConfig
    from sim2act.rollout.generation import GenerateConfig, generate
    from sim2act.training import TrainConfig, train

    generate(GenerateConfig(level="GoToLocal", proposer="uniform", episodes=4, num_envs=2, labels="both"), tmp_path / "d")
    tiny = PolicyConfig(d_model=32, heads=2, fusion_layers=1, memory=2)
    start = train(TrainConfig(data=str(tmp_path / "d"), policy=tiny, steps=2, batch_size=8, warmup_steps=0), tmp_path / "base")
    config = FewShotConfig(episodes=(5,), train_steps=2, batch_size=8, rounds=2)
    adapted = adapt(str(start.checkpoint), "grid", "GoToLocal", 5, 0, tmp_path / "adapted", config)
    card = load_card(DatasetLayout(tmp_path / "adapted" / "data").card)
    first, second = (run["config"] for run in card.runs)
    assert (first["episodes"], second["episodes"]) == (3, 2) and (first["iteration"], second["iteration"]) == (0, 1)
    assert first["policy"] == str(start.checkpoint)
    assert Path(second["policy"]).is_relative_to(tmp_path / "adapted" / "policy")
    assert Path(adapted.checkpoint).is_relative_to(tmp_path / "adapted" / "policy-1")
    assert adapted.simulator_steps == card.counts["executed_steps"] and adapted.kept_episodes == card.counts["episodes"]

    again = adapt(str(start.checkpoint), "grid", "GoToLocal", 5, 0, tmp_path / "adapted", config)
    assert again == adapted and len(load_card(DatasetLayout(tmp_path / "adapted" / "data").card).runs) == 2
