import json

import pytest

from sim2act.errors import Sim2ActError
from sim2act.loop import LoopConfig, load_loop_config
from sim2act.loop.config import shipped_config_names
from sim2act.models import PolicyConfig


@pytest.mark.parametrize("name", shipped_config_names())
def test_shipped_configs_load(name):
    config = load_loop_config(name)
    expected = {"tabletop": ("tabletop", "put-in-bowl"), "nav3d": ("nav3d", "goto")}.get(name.split("-")[0], ("grid", "GoToLocal"))
    expected = {"tabletop-stack": ("tabletop", "stack"), "nav3d-seq": ("nav3d", "goto-seq")}.get(name, expected)
    assert (config.domain, config.level) == expected


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
        ("policy_temperature = 0", "policy_temperature must be > 0"),
        ("labels = 'sometimes'", "labels must be one of"),
        ("roundz = 3", "unknown LoopConfig fields: roundz"),
        ("[train]\nmomentum = 0.9", "unknown [train] keys: momentum"),
        ("rounds = ", "not valid TOML"),
        ("co_levels = ['GoToLocal']", "co_levels must name levels other than 'GoToLocal'"),
        ("co_levels = ['GoToLocl']", "unknown grid level"),
        ("shortcuts = true", "shortcuts needs loop erasure, labels other than none and a domain that can steer .'grid' cannot."),
        ("domain = 'nav3d'\nshortcuts = true\nerase_loops = false", "shortcuts needs loop erasure"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(Sim2ActError, match=message.replace("[", r"\[")):
        load_loop_config(path)


def test_missing_config_names_the_shipped_ones():
    with pytest.raises(Sim2ActError, match="shipped configs: long, nav3d-kind-goals, nav3d-long, nav3d-move, nav3d-odometry, nav3d-quick, nav3d-seq, nav3d-shortcuts, nav3d-slide, nav3d-view, nav3d-view-parts, nav3d-wide, quick"):
        load_loop_config("nope")


def test_toml_env_table_round_trips(tmp_path):
    path = tmp_path / "loop.toml"
    path.write_text('rounds = 2\n[env]\ntile_size = 4\n')
    config = load_loop_config(path)
    assert config.env == {"tile_size": 4} and config.rounds == 2
    again = tmp_path / "loop.json"
    again.write_text(json.dumps(config.to_dict()))
    assert load_loop_config(again) == config


@pytest.mark.parametrize(
    "text, message",
    [("[env]\ncolour = 'red'", "domain 'grid' takes no env option colour"), ("env = 3", "env must be a table")],
)
def test_bad_env_table_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(Sim2ActError, match=message):
        load_loop_config(path)


def test_a_run_begun_before_env_options_resumes(tmp_path):
    from sim2act.loop import LoopFolder
    from sim2act.loop.ledger import Ledger
    from sim2act.loop.rounds import _open

    config = LoopConfig().validated()
    old = {k: v for k, v in config.to_dict().items() if k != "env"}
    Ledger(config=old).save(tmp_path)
    assert _open(LoopFolder(tmp_path), config).config == old
    with pytest.raises(Sim2ActError, match="differs in: env"):
        _open(LoopFolder(tmp_path), LoopConfig(env={"tile_size": 4}).validated())


def test_runs_made_before_added_fields_keep_resuming_and_their_bench_folders():
    from sim2act.loop.rounds import ADDED_LOOP_FIELDS, ADDED_POLICY_FIELDS, with_added_fields, without_added_fields

    current = {**LoopConfig().validated().to_dict(), **ADDED_LOOP_FIELDS}
    old = without_added_fields(current)  # what a run made before those fields existed stored
    assert not set(ADDED_LOOP_FIELDS) & set(old) and not set(ADDED_POLICY_FIELDS) & set(old["policy"])
    assert with_added_fields(old) == current
    changed = LoopConfig(policy=PolicyConfig(action_head="independent")).validated().to_dict()
    assert without_added_fields(changed)["policy"]["action_head"] == "independent"  # a non-default value is kept


def test_the_prior_env_table_sets_the_priors_frames_only(tmp_path):
    from sim2act.loop.rounds import prior_pretraining

    path = tmp_path / "ee.toml"
    path.write_text('domain = "tabletop"\n[env]\naction_mode = "ee_delta"\n[prior_env]\naction_mode = "pick_place"\n')
    config = load_loop_config(path)
    assert config.env == {"action_mode": "ee_delta"} and config.prior_env == {"action_mode": "pick_place"}
    assert prior_pretraining(config).env == {"action_mode": "pick_place"}
    assert prior_pretraining(LoopConfig(domain="tabletop", env={"action_mode": "ee_delta"}).validated()).env == {
        "action_mode": "ee_delta"}
    path.write_text('domain = "tabletop"\n[prior_env]\ncolour = "red"\n')
    with pytest.raises(Sim2ActError, match="takes no env option colour"):
        load_loop_config(path)
    path.write_text('prior_env = 3\n')
    with pytest.raises(Sim2ActError, match="prior_env must be a table"):
        load_loop_config(path)


@pytest.mark.parametrize("knob, value, message", [("jitter", "strong", "jitter must be a number"),
                                                   ("lr", "fast", "lr must be a number"),
                                                   ("jitter", 1.5, "--jitter must lie in")])
def test_a_bad_train_knob_is_refused_before_anything_runs(knob, value, message):
    with pytest.raises(Sim2ActError, match=message):
        LoopConfig(domain="grid", train={knob: value}).validated()
