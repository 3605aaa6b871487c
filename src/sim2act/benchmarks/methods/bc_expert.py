"""``bc-expert``: sim2act's policy trained by behaviour cloning on the domain's scripted expert (``Domain.expert``; BabyAI's bot on the grid).

An upper reference, not a competitor: it learns from an expert. One curve point per amount of
demonstrations (``MethodSetting.bc_demos``), each a fresh training run, counted in the env steps
the bot executed to record them.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from sim2act.benchmarks.curves import Curve, CurvePoint
from sim2act.benchmarks.methods.registry import Method, MethodRun, register_method
from sim2act.benchmarks.setting import MethodSetting
from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.errors import Sim2ActError
from sim2act.evaluation import evaluate_proposer
from sim2act.loop.progress import LoopProgress
from sim2act.models import load_policy
from sim2act.proposers.policy import PolicyProposer
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.training import TrainConfig, train
from sim2act.training.checkpoints import TrainRunFolder


class ExpertBCMethod(Method):
    name = "bc-expert"
    adapts = True

    def fingerprint(self, setting: MethodSetting) -> dict:
        keys = ("domain", "level", "split", "eval_episodes", "bc_demos", "bc_train_steps", "bc_train")
        fingerprint = {k: v for k, v in asdict(setting).items() if k in keys}
        if setting.env:  # only then, so runs fingerprinted before env options existed keep their folders
            fingerprint["env"] = setting.env
        return fingerprint

    def check(self, setting: MethodSetting) -> None:
        if not setting.bc_demos or min(setting.bc_demos) < 1:
            raise Sim2ActError(f"bc_demos must list positive demonstration counts, got {setting.bc_demos}")

    def train(self, setting: MethodSetting, seed: int, out: Path, progress: LoopProgress) -> MethodRun:
        points, final, checkpoint = [], {}, ""
        for demos in sorted(setting.bc_demos):
            data = out / f"demos-{demos}"
            progress.stage(f"bc-expert, seed {seed}: {demos:,} bot demonstrations → {data}")
            generation = GenerateConfig(
                domain=setting.domain, level=setting.level, episodes=demos, proposer="expert", seed=seed,
                labels="success", env=setting.env,
            )
            with progress.bar(f"bot demos {demos:,}") as bar:
                generate(generation, data, progress=bar)  # resumes, or finds it complete
            env_steps = load_card(DatasetLayout(data).card).counts["executed_steps"]
            run = out / f"bc-{demos}"
            config = TrainConfig(data=str(data), steps=setting.bc_train_steps, seed=seed, **setting.bc_train)
            with progress.bar(f"bc on {demos:,} demos") as bar:
                summary = train(config, run, resume=TrainRunFolder(run).config.exists(), progress=bar)
            checkpoint = str(summary.checkpoint)
            with progress.bar(f"eval {setting.split}") as bar:
                report, _ = evaluate_proposer(
                    self.proposer_for(checkpoint), setting.domain, [setting.level], setting.split,
                    setting.eval_episodes, seed=seed, progress=bar, label=checkpoint, env_options=setting.env,
                )
            s = report.overall
            points.append(CurvePoint(env_steps, s.success_rate, s.ci_low, s.ci_high, s.episodes))
            final = asdict(s)
        curve = Curve(self.name, seed, points, budget=points[-1].env_steps,
                      extra_counts={"demonstrations": max(setting.bc_demos)}, final=final)
        return MethodRun(curve, checkpoint, lambda: self.proposer_for(checkpoint))

    def proposer_for(self, artifact: str, setting: MethodSetting | None = None) -> PolicyProposer:
        """The cloned policy from ``artifact``, sampling as trained (the setting's loop options are Sim2Act's)."""
        return PolicyProposer(load_policy(artifact))


register_method(ExpertBCMethod())
