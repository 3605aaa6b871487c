"""FewShotConfig refuses budgets a few-shot round cannot run, in one line."""

import pytest

from sim2act.benchmarks.few_shot import FewShotConfig
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
