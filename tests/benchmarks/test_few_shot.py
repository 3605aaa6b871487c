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
