"""``decision-stacks``: Decision Stacks (``sim2act.baselines.decision_stacks``) as a benchmark method.

Offline, on exactly what the Sim2Act loop collected: it runs (or reuses, through the shared run folder) the
``sim2act`` method's loop of the same setting and seed, trains the three modules on the loop's whole
dataset (every round, labelled by the verifier and hindsight) in π0's latent space, and is measured once,
at the loop's simulator steps (executed, previewed, the prior's), the budget both spent.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

from sim2act.baselines.decision_stacks import DecisionStacksConfig, DecisionStacksProposer, train_decision_stacks
from sim2act.benchmarks.curves import Curve, CurvePoint
from sim2act.benchmarks.methods.registry import Method, MethodRun, get_method, register_method
from sim2act.benchmarks.methods.sim2act_loop import LOOP
from sim2act.benchmarks.setting import MethodSetting
from sim2act.evaluation import evaluate_proposer
from sim2act.loop import load_ledger
from sim2act.loop.progress import LoopProgress
from sim2act.validation import config_from_dict

MODEL = "model"
"""The modules' folder inside a seed's run folder."""


class DecisionStacksMethod(Method):
    name = "decision-stacks"
    calls_simulator_beyond_steps = True

    def fingerprint(self, setting: MethodSetting) -> dict:
        return {"data_from": get_method("sim2act").fingerprint(setting), "eval_episodes": setting.eval_episodes,
                "decision_stacks": setting.decision_stacks}

    def ablations(self, setting: MethodSetting) -> dict[str, MethodSetting]:
        """The observation model's guidance and how far it plans."""
        def with_(**fields) -> MethodSetting:
            return replace(setting, decision_stacks={**setting.decision_stacks, **fields})

        full = {**asdict(DecisionStacksConfig()), **setting.decision_stacks}
        return {f"full (guidance w {full['guidance']:g}, horizon {full['horizon']})": setting,
                "no guidance (w 0)": with_(guidance=0.0), "horizon 2": with_(horizon=2)}

    def check(self, setting: MethodSetting) -> None:
        get_method("sim2act").check(setting)
        self._config(setting, 0, "set by the bench", "set by the bench").validated()

    def _config(self, setting: MethodSetting, seed: int, data: str, prior: str) -> DecisionStacksConfig:
        return config_from_dict(DecisionStacksConfig, {
            **setting.decision_stacks, "domain": setting.domain, "level": setting.level, "env": setting.env,
            "data": data, "prior": prior, "seed": seed,
        })

    def train(self, setting: MethodSetting, seed: int, out: Path, progress: LoopProgress) -> MethodRun:
        loop_run = get_method("sim2act").run(setting, seed, out.parents[2], progress)  # the work folder
        ledger = load_ledger(loop_run.folder / LOOP)
        data, prior = loop_run.folder / LOOP / "data", ledger.prior["path"]
        config = self._config(setting, seed, str(data), str(prior))
        progress.stage(f"{self.name}, seed {seed}: three modules on the loop's {ledger.env_steps:,}-step data → {out / MODEL}")
        with progress.bar(f"{self.name} seed {seed}") as bar:
            siblings = [f for f in sorted(out.parent.parent.glob(f"*/{out.name}/{MODEL}")) if f != out / MODEL]
            train_decision_stacks(config, out / MODEL, bar, reuse_from=siblings)  # a guidance ablation: no retraining
        proposer = self.proposer_for(str(out / MODEL))
        with progress.bar(f"eval {setting.split}") as bar:
            report, _ = evaluate_proposer(proposer, setting.domain, [setting.level], setting.split, setting.eval_episodes,
                                          seed=seed, progress=bar, label=self.name, env_options=setting.env)
        s = report.overall
        spent = loop_run.curve.points[-1]
        point = CurvePoint(spent.env_steps, s.success_rate, s.ci_low, s.ci_high, s.episodes, simulator_steps=spent.steps)
        curve = Curve(self.name, seed, [point], budget=loop_run.curve.budget, extra_counts=dict(loop_run.curve.extra_counts),
                      final=asdict(s))
        artifact = str(out / MODEL)
        return MethodRun(curve, artifact, lambda: self.proposer_for(artifact))

    def proposer_for(self, artifact: str) -> DecisionStacksProposer:
        return DecisionStacksProposer(artifact)


register_method(DecisionStacksMethod())
