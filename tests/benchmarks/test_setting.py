"""Bench settings: ``--quick`` cuts a domain's own loop to seconds without changing how it proposes."""

from dataclasses import asdict

from sim2act.baselines.decision_stacks import DecisionStacksConfig
from sim2act.baselines.rlfp import RLFPConfig
from sim2act.benchmarks.setting import QUICK_LOOP, QUICK_LOOP_SIZES, MethodSetting, quick_loop, quick_setting
from sim2act.loop import load_loop_config


def test_quick_loop_keeps_the_domains_prior_and_policy_and_takes_the_quick_sizes():
    shipped = load_loop_config("tabletop-quick")
    quick = quick_loop(shipped)
    for name in QUICK_LOOP_SIZES:
        assert getattr(quick, name) == getattr(QUICK_LOOP, name)
    kept = set(asdict(shipped)) - set(QUICK_LOOP_SIZES) - {"train"}
    assert {name: getattr(quick, name) for name in kept} == {name: getattr(shipped, name) for name in kept}
    assert quick.domain == "tabletop" and quick.prior_mode == "cells" and quick.prior_temperature == shipped.prior_temperature
    assert quick.train["batch_size"] == min(shipped.train["batch_size"], QUICK_LOOP.train["batch_size"])
    quick.validated()


def test_quick_setting_cuts_the_baselines_to_seconds_and_still_runs_their_updates():
    quick = quick_setting()
    full_ds, full_rlfp = DecisionStacksConfig(), RLFPConfig()
    assert quick.decision_stacks["train_steps"] * 50 <= full_ds.train_steps
    assert quick.rlfp["learning_starts"] < quick.rl_steps <= full_rlfp.learning_starts * 10  # so its updates run
    DecisionStacksConfig(data="d", prior="p", **quick.decision_stacks).validated()


def test_every_method_sees_the_loops_env_options_and_the_command_lines_over_them():
    loop = load_loop_config("nav3d-view")  # a 90° camera
    setting = MethodSetting(domain="nav3d", loop=loop).resolved()
    assert setting.env == {"fov": 90} and setting.level == "goto"
    assert MethodSetting(domain="nav3d", loop=loop, env={"fov": 60}).resolved().env == {"fov": 60}
