"""``sim2act``: the Sim2Act loop (``sim2act run``) as a benchmark method.

Its curve is held-out success after every round against the cumulative simulator steps: executed env
steps, π0's preview steps and the env steps that collected the prior's pretraining frames, each also
reported on its own.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

from sim2act.benchmarks.curves import Curve, CurvePoint
from sim2act.benchmarks.methods.registry import Method, MethodRun, register_method
from sim2act.benchmarks.setting import MethodSetting
from sim2act.errors import Sim2ActError
from sim2act.evaluation.report import EVAL_INFO
from sim2act.loop import LoopFolder, load_ledger, run_loop
from sim2act.loop.progress import LoopProgress
from sim2act.loop.rounds import HELD_OUT_SPLITS, without_added_fields
from sim2act.models import load_policy
from sim2act.proposers.policy import PolicyProposer

LOOP = "loop"
"""The loop's folder inside a seed's run folder."""


class Sim2ActMethod(Method):
    name = "sim2act"
    adapts = True
    calls_simulator_beyond_steps = True

    def fingerprint(self, setting: MethodSetting) -> dict:
        # runs fingerprinted before the added fields existed keep their folders
        loop = without_added_fields(asdict(replace(setting.loop, env=setting.env)))
        return {"domain": setting.domain, "level": setting.level, "split": setting.split, "loop": loop}

    def check(self, setting: MethodSetting) -> None:
        if setting.split not in HELD_OUT_SPLITS:
            raise Sim2ActError(f"the loop measures {', '.join(HELD_OUT_SPLITS)} each round, not {setting.split!r}")

    def train(self, setting: MethodSetting, seed: int, out: Path, progress: LoopProgress) -> MethodRun:
        config = replace(
            setting.loop, domain=setting.domain, level=setting.level, seed=seed, env=setting.env
        )
        folder = LoopFolder(out / LOOP)
        progress.stage(f"sim2act, seed {seed}: the loop in {folder.root}")
        ledger = run_loop(config, folder.root, progress)
        points = []
        for record in ledger.rounds:
            if record.done:
                held_out = record.held_out[setting.split]
                spent = ledger.cumulative(record.round)
                points.append(CurvePoint(spent["env_steps"], held_out.success, held_out.low, held_out.high,
                                         held_out.episodes, simulator_steps=spent["simulator_steps"]))
        best = ledger.rounds[ledger.best_round].checkpoint
        final = final_evaluation(folder, setting.split)
        curve = Curve(
            self.name,
            seed,
            points,
            budget=config.env_step_budget,
            extra_counts={
                "executed_steps": ledger.env_steps,
                "preview_steps": sum(r.collection.preview_steps for r in ledger.rounds if r.collection),
                "prior_env_steps": ledger.prior_env_steps,
            },
            final=final,
        )
        return MethodRun(curve, best, lambda: self.proposer_for(best, setting))

    def prior_options(self, run: MethodRun, setting: MethodSetting) -> dict | None:
        ledger = load_ledger(run.folder / LOOP) if run.folder else None
        if ledger is None or not ledger.prior:
            return None
        loop = setting.loop
        return {"prior": ledger.prior["path"], "prior_mode": loop.prior_mode, "prior_temperature": loop.prior_temperature,
                "prior_candidates": loop.prior_candidates, "prior_horizon": loop.prior_horizon}

    def proposer_for(self, artifact: str, setting: MethodSetting | None = None) -> PolicyProposer:
        """π_θ from ``artifact``, sampling at the temperature the loop of ``setting`` acts at."""
        temperature = setting.loop.policy_temperature if setting is not None else 1.0
        return PolicyProposer(load_policy(artifact), temperature=temperature)

    def loop_folder(self, work: Path, setting: MethodSetting, seed: int) -> LoopFolder:
        """The loop run of ``setting`` and ``seed`` under ``work``."""
        return LoopFolder(self.run_folder(work, setting, seed) / LOOP)


def final_evaluation(folder: LoopFolder, split: str) -> dict:
    """The summary (success, reward, completion time, diversity) of a finished loop's final evaluation on ``split``."""
    path = folder.evaluation("final", split) / EVAL_INFO
    try:
        return json.loads(path.read_text())["overall"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise Sim2ActError(f"missing or corrupt evaluation {path}: {error}; delete the loop run to re-run it") from None


register_method(Sim2ActMethod())
