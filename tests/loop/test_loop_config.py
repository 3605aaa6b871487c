import json

import pytest

from sim2act.errors import Sim2ActError
from sim2act.loop import LoopConfig, load_loop_config
from sim2act.loop.config import shipped_config_names


@pytest.mark.parametrize("name", shipped_config_names())
def test_shipped_configs_load(name):
    config = load_loop_config(name)
    assert config.domain == "grid" and config.level == "GoToLocal"


def test_quick_config_is_the_default():
    assert load_loop_config("quick") == LoopConfig().validated()


def test_config_file_round_trip(tmp_path):
    config = LoopConfig(rounds=2, alpha=0.8, train={"lr": 3e-4})
    path = tmp_path / "loop.json"
    path.write_text(json.dumps(config.to_dict()))
    assert load_loop_config(path) == config.validated()


def test_toml_with_policy_table(tmp_path):
    path = tmp_path / "loop.toml"
    path.write_text('rounds = 3\n[policy]\nd_model = 32\n[train]\ncontrastive_weight = 0.0\n')
    config = load_loop_config(path)
    assert config.rounds == 3 and config.policy.d_model == 32 and config.train == {"contrastive_weight": 0.0}


@pytest.mark.parametrize(
    "text, message",
    [
        ("rounds = 0", "rounds must be at least 1"),
        ("alpha = 1.5", "alpha must lie in"),
        ("labels = 'sometimes'", "labels must be one of"),
        ("roundz = 3", "unknown LoopConfig fields: roundz"),
        ("[train]\nmomentum = 0.9", "unknown [train] keys: momentum"),
        ("rounds = ", "not valid TOML"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(Sim2ActError, match=message.replace("[", r"\[")):
        load_loop_config(path)


def test_missing_config_names_the_shipped_ones():
    with pytest.raises(Sim2ActError, match="shipped configs: long, quick"):
        load_loop_config("nope")
