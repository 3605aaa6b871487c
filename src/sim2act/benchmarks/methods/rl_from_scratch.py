"""``ppo``, ``sac`` and ``ppo-factored``: RL from scratch with stable-baselines3 on the env's shaped reward.

``ppo-factored`` is PPO whose features extractor reads sim2act's factored cell stem instead of
BabyAI's cell convolution: the same RL baseline, given the vision inductive bias Sim2Act's policy has.

The "RL from scratch with reward engineering" baseline: the same env, observation and train split as
Sim2Act, BabyAI's reward 1 − 0.9·t/T. It is evaluated on the held-out split at ``rl_evaluations``
evenly spaced env-step marks with sim2act's own evaluation code, and stops at the first mark at or
above ``rl_stop_at`` when the bench sets one. Every mark is logged and checkpointed, so an
interrupted run (a 2–3M-step PPO run is a long benchmark) continues from its last mark.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from sim2act.baselines import RLConfig, RLProposer, get_algorithm, load_rl, train_rl
from sim2act.baselines.sb3_training import CHECKPOINT_FILE, MODEL_FILE, resumable_steps
from sim2act.benchmarks.curves import Curve
from sim2act.benchmarks.methods.marks import MarkLog
from sim2act.benchmarks.methods.registry import Method, MethodRun, register_method
from sim2act.benchmarks.setting import MethodSetting
from sim2act.envs import action_space
from sim2act.errors import Sim2ActError
from sim2act.loop.progress import LoopProgress
from sim2act.validation import config_from_dict


def evaluation_marks(budget: int, evaluations: int) -> list[int]:
    """``evaluations`` evenly spaced env-step marks ending at ``budget``.

    >>> evaluation_marks(1000, 4)
    [250, 500, 750, 1000]
    """
    if budget < 1 or evaluations < 1:
        raise Sim2ActError(f"an RL run needs a positive budget and evaluations, got {budget} and {evaluations}")
    return sorted({max(1, round(budget * (i + 1) / evaluations)) for i in range(evaluations)})


class RLFromScratch(Method):
    learns_from_reward = True

    def __init__(self, algorithm: str, name: str | None = None, overrides: dict | None = None) -> None:
        self.algorithm = algorithm
        self.name = name or algorithm
        self.overrides = overrides or {}
        """``RLConfig`` fields this method fixes on top of the bench's ``rl`` settings."""

    def fingerprint(self, setting: MethodSetting) -> dict:
        keys = ("domain", "level", "split", "eval_episodes", "rl_steps", "rl_evaluations", "rl")
        fingerprint = {k: v for k, v in asdict(setting).items() if k in keys}
        if setting.rl_stop_at is not None:  # only then, so runs fingerprinted before it existed keep their folders
            fingerprint["rl_stop_at"] = setting.rl_stop_at
        if self.overrides:
            fingerprint["rl"] = {**fingerprint["rl"], **self.overrides}
        if setting.env:  # only then, so runs fingerprinted before env options existed keep their folders
            fingerprint["env"] = setting.env
        return fingerprint

    def check(self, setting: MethodSetting) -> None:
        """Refuse an algorithm that cannot act in the setting's env (SAC on a discrete domain) before any work."""
        algorithm = get_algorithm(self.algorithm)
        algorithm.check_action_space(setting.domain, action_space(setting.domain, setting.level, **setting.env))

    def train(self, setting: MethodSetting, seed: int, out: Path, progress: LoopProgress) -> MethodRun:
        config = config_from_dict(
            RLConfig,
            {**setting.rl, **self.overrides, "algorithm": self.algorithm, "domain": setting.domain, "level": setting.level,
             "total_env_steps": setting.rl_steps, "seed": seed, "env": setting.env},
        )
        log = MarkLog(out, resumable_steps(out, config))

        def on_mark(env_steps: int, proposer) -> bool:
            return log.evaluate(self.name, setting, seed, proposer, progress, env_steps)

        points = log.points
        start = f"continuing from {points[-1].env_steps:,} of " if points else ""
        progress.stage(f"{self.name}, seed {seed}: {start}{setting.rl_steps:,} env steps from scratch → {out}")
        if not log.reached(setting.rl_stop_at):
            with progress.bar(f"{self.name} seed {seed}") as bar:
                marks = evaluation_marks(setting.rl_steps, setting.rl_evaluations)
                train_rl(config, out, marks, on_mark, bar, resume=log.resumed)
        run_model = out / MODEL_FILE if (out / MODEL_FILE).is_file() else out / CHECKPOINT_FILE
        model = str(run_model)
        curve = Curve(self.name, seed, log.points, budget=setting.rl_steps, final=log.finals[-1] if log.finals else {})
        return MethodRun(curve, model, lambda: self.proposer_for(model))

    def proposer_for(self, artifact: str) -> RLProposer:
        return load_rl(artifact).proposer()


register_method(RLFromScratch("ppo"))
register_method(RLFromScratch("sac"))
register_method(RLFromScratch("ppo", name="ppo-factored", overrides={"cell_stem": "factored"}))
