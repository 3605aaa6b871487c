"""``rlfp``: RL with foundation priors (``sim2act.baselines.rlfp``) as a benchmark method.

π0 is pretrained as the Sim2Act loop pretrains its own (the loop config's ``prior_frames`` and
``prior_steps``, the same seed), and RLFP proposes with it as the loop does (``prior_mode``,
``prior_temperature``, ``reuse_previews``, which is on where the domain's state keys are exact, as in the loop). Its curve is held-out success against simulator steps: executed
steps, π0's previews and the steps that collected π0's frames, the same rule as Sim2Act's. It learns from
reward, so the sample-efficiency bench gives it RL's budget (``rl_factor`` × Sim2Act's simulator steps)
and stops it at the target. ``rlfp-factored`` is RLFP whose encoder reads sim2act's factored cell stem (colour
and form apart), as ``ppo-factored`` is PPO's.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

from sim2act.baselines.rlfp import RLFPConfig, load_rlfp, resumable_env_steps, train_rlfp
from sim2act.benchmarks.curves import Curve
from sim2act.benchmarks.methods.marks import MarkLog
from sim2act.benchmarks.methods.registry import Method, MethodRun, register_method
from sim2act.benchmarks.methods.rl_from_scratch import evaluation_marks
from sim2act.benchmarks.setting import MethodSetting
from sim2act.envs import get_domain
from sim2act.loop.progress import LoopProgress
from sim2act.loop.rounds import prior_env_steps, prior_pretraining
from sim2act.validation import config_from_dict

PRIOR = "prior"
"""π0's folder inside a seed's run folder."""
PRIOR_FIELDS = ("prior_frames", "prior_steps", "prior_env", "prior_mode", "prior_temperature", "reuse_previews", "caption_discount")
"""The loop config's fields that make π0 and how it proposes: RLFP's run depends on them."""


class RLFPMethod(Method):
    learns_from_reward = True
    calls_simulator_beyond_steps = True

    def __init__(self, name: str = "rlfp", overrides: dict | None = None) -> None:
        self.name = name
        self.overrides = overrides or {}
        """``RLFPConfig`` fields this method fixes on top of the bench's ``rlfp`` settings."""

    def fingerprint(self, setting: MethodSetting) -> dict:
        keys = ("domain", "level", "split", "eval_episodes", "rl_steps", "rl_evaluations", "rl_stop_at", "rlfp", "env")
        fingerprint = {k: v for k, v in asdict(setting).items() if k in keys}
        if self.overrides:
            fingerprint["rlfp"] = {**fingerprint["rlfp"], **self.overrides}
        loop = asdict(setting.loop)
        return {**fingerprint, "prior": {k: loop[k] for k in PRIOR_FIELDS if k in loop}}

    def ablations(self, setting: MethodSetting) -> dict[str, MethodSetting]:
        """The paper's ablations: each foundation prior removed in turn (the policy prior with its warm start and
        the critic's choice of π0's action, so π0 never previews)."""
        def without(**fields) -> MethodSetting:
            return replace(setting, rlfp={**setting.rlfp, **fields})

        return {
            "full (policy, value and success priors)": setting,
            "no policy prior (β 0, no warm start, no critic's choice of π0)": without(prior_kl=0.0, warm_start_episodes=0, q_filter=False),
            "no value prior (no shaping)": without(value_shaping=0.0),
            "no success prior (λ 0, no success buffer)": without(success_reward=0.0, success_kl=0.0),
        }

    def check(self, setting: MethodSetting) -> None:
        from sim2act.baselines.rlfp.priors import agent_actions
        from sim2act.envs import action_space

        agent_actions(action_space(setting.domain, setting.level, **setting.env))
        self._config(setting, 0, "set by the bench", 0).validated()

    def _config(self, setting: MethodSetting, seed: int, prior: str, prior_steps: int) -> RLFPConfig:
        loop = setting.loop
        reuse = get_domain(setting.domain).exact_state_keys if loop.reuse_previews is None else loop.reuse_previews
        return config_from_dict(RLFPConfig, {
            "prior_mode": loop.prior_mode, "prior_temperature": loop.prior_temperature, "reuse_previews": reuse,
            **setting.rlfp, **self.overrides, "domain": setting.domain, "level": setting.level, "env": setting.env, "seed": seed,
            "prior": prior, "prior_env_steps": prior_steps, "simulator_steps": setting.rl_steps,
        })

    def train(self, setting: MethodSetting, seed: int, out: Path, progress: LoopProgress) -> MethodRun:
        prior = self._prior(setting, seed, out / PRIOR, progress)
        config = self._config(setting, seed, str(prior), prior_env_steps(str(prior)))
        log = MarkLog(out, resumable_env_steps(out, config))

        def on_mark(env_steps: int, simulator_steps: int, proposer) -> bool:
            return log.evaluate(self.name, setting, seed, proposer, progress, env_steps, simulator_steps)

        start = f"continuing from {log.points[-1].steps:,} of " if log.points else ""
        progress.stage(f"{self.name}, seed {seed}: {start}{setting.rl_steps:,} simulator steps with π0's priors → {out}")
        if not log.reached(setting.rl_stop_at):
            with progress.bar(f"{self.name} seed {seed}") as bar:
                marks = evaluation_marks(setting.rl_steps, setting.rl_evaluations)
                run = train_rlfp(config, out, marks, on_mark, bar, resume=log.resumed)
            progress.stage(f"{self.name}, seed {seed}: {run.env_steps:,} executed steps, {run.preview_steps:,} previews, "
                           f"{run.episodes:,} episodes ({sum(run.episode_successes):,} successful in this call)")
        curve = Curve(self.name, seed, log.points, budget=setting.rl_steps, final=log.finals[-1] if log.finals else {},
                      extra_counts=_counts(log, config))
        artifact = str(out)
        return MethodRun(curve, artifact, lambda: self.proposer_for(artifact))

    def _prior(self, setting: MethodSetting, seed: int, folder: Path, progress: LoopProgress) -> Path:
        """π0 pretrained into ``folder`` as the loop would pretrain its own (again, when a killed run left it partial)."""
        from sim2act.priors import is_prior, pretrain_prior

        if not is_prior(folder):
            loop = replace(setting.loop, domain=setting.domain, level=setting.level, seed=seed, env=setting.env)
            progress.stage(f"{self.name}, seed {seed}: pretraining π0 on {loop.prior_frames:,} simulator-captioned frames")
            with progress.bar("prior") as bar:
                pretrain_prior(prior_pretraining(loop), folder, overwrite=True, progress=bar)
        return folder

    def proposer_for(self, artifact: str):
        return load_rlfp(artifact)


def _counts(log: MarkLog, config: RLFPConfig) -> dict[str, int]:
    """The last point's simulator steps broken down: executed, previewed, the prior's frames."""
    if not log.points:
        return {}
    last = log.points[-1]
    return {"executed_steps": last.env_steps, "preview_steps": last.steps - last.env_steps - config.prior_env_steps,
            "prior_env_steps": config.prior_env_steps}


register_method(RLFPMethod())
register_method(RLFPMethod("rlfp-factored", {"cell_stem": "factored"}))
