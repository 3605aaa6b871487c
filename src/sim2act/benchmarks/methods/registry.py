"""The method protocol and its registry."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from sim2act.benchmarks.curves import Curve, CurvePoint
from sim2act.benchmarks.setting import MethodSetting
from sim2act.data.atomic import atomic_write_text
from sim2act.errors import Sim2ActError
from sim2act.loop.progress import LoopProgress
from sim2act.proposers.base import Proposer
from sim2act.validation import suggest

CURVE_JSON = "curve.json"


@dataclass
class MethodRun:
    """A method trained on one seed: its curve and how to act with the final result."""

    curve: Curve
    artifact: str
    """The final checkpoint (a policy folder or an SB3 model file)."""
    make_proposer: Callable[[], Proposer]
    """Builds a proposer that acts with the final checkpoint (sampled actions, as sim2act eval does)."""
    folder: Path | None = None
    """The seed's run folder (``Method.run`` sets it); benchmarks keep what they derive from the run under it."""


class Method(ABC):
    """A way to get a policy for a level: train from scratch with one seed, measuring as it goes."""

    name: str = "method"
    learns_from_reward: bool = False
    """RL from scratch: sample-efficiency gives it ``rl_factor`` times the simulator steps Sim2Act needed."""
    adapts: bool = False
    """Its checkpoint is a sim2act policy that a Sim2Act round can fine-tune (the few-shot columns)."""
    calls_simulator_beyond_steps: bool = False
    """Its simulator steps include calls it never executed (previews, the prior's frames): a curve saved before
    they were counted is rebuilt from its run folder (which resumes finished) rather than read."""

    @abstractmethod
    def train(self, setting: MethodSetting, seed: int, out: Path, progress: LoopProgress) -> MethodRun:
        """Train in ``out`` (resuming what is there) and return the run."""

    @abstractmethod
    def proposer_for(self, artifact: str) -> Proposer:
        """A proposer acting with a finished run's checkpoint."""

    def check(self, setting: MethodSetting) -> None:
        """Raise a one-line ``Sim2ActError`` when this method cannot run ``setting``; called before any work."""

    def prior_options(self, run: MethodRun, setting: MethodSetting) -> dict | None:
        """The ``prior`` proposer's options (``GenerateConfig`` fields) of the vision-language prior π0 a finished
        run used, or None: π0 can then be measured and can collect a few-shot round itself."""
        return None

    def ablations(self, setting: MethodSetting) -> dict[str, MethodSetting]:
        """This method's own parts removed one at a time: variant name → setting, the full one first (the
        ablations bench); empty where the method has none."""
        return {}

    def fingerprint(self, setting: MethodSetting) -> dict:
        """The settings this method's run depends on; equal fingerprints share one run across benchmarks."""
        return asdict(setting)

    def run_folder(self, work: Path, setting: MethodSetting, seed: int) -> Path:
        """``work/<method>/<settings hash>/seed-<seed>``."""
        text = json.dumps(self.fingerprint(setting), sort_keys=True, default=str)
        return work / self.name / hashlib.sha256(text.encode()).hexdigest()[:10] / f"seed-{seed}"

    def run(self, setting: MethodSetting, seed: int, work: Path, progress: LoopProgress) -> MethodRun:
        """``train`` in this seed's run folder under ``work``, unless it already holds the finished curve. ``setting``
        is resolved (``MethodSetting.resolved``): its ``env`` already holds the loop's env options."""
        self.check(setting)
        out = self.run_folder(work, setting, seed)
        done = out / CURVE_JSON
        if done.is_file():
            curve, artifact = _read_finished(done)
            uncounted = self.calls_simulator_beyond_steps and any(p.simulator_steps is None for p in curve.points)
            if not uncounted:
                progress.stage(f"{self.name}, seed {seed}: finished earlier, read from {done}")
                return MethodRun(curve, artifact, lambda: self.proposer_for(artifact), out)
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out.parent / "setting.json", json.dumps(self.fingerprint(setting), indent=2, default=str) + "\n")
        result = self.train(setting, seed, out, progress)
        atomic_write_text(done, json.dumps({"curve": asdict(result.curve), "artifact": result.artifact}, indent=2) + "\n")
        return replace(result, folder=out)


def _read_finished(done: Path) -> tuple[Curve, str]:
    """The curve and artifact ``Method.run`` saved in ``done``; a corrupt file is a one-line ``Sim2ActError``."""
    try:
        data = json.loads(done.read_text())
        curve = Curve(**{**data["curve"], "points": [CurvePoint(**p) for p in data["curve"]["points"]]})
        artifact = data["artifact"]
        if not isinstance(artifact, str):
            raise TypeError(f"artifact must be a path, got {artifact!r}")
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        reason = " ".join(f"{type(error).__name__}: {error}".split())
        raise Sim2ActError(f"corrupt benchmark run file {done}: {reason}; delete it to re-run that method") from None
    return curve, artifact


METHODS: dict[str, Method] = {}


def register_method(method: Method) -> Method:
    """Make ``method`` available to every benchmark under ``method.name``."""
    METHODS[method.name] = method
    return method


def get_method(name: str) -> Method:
    """The method called ``name``; an unknown name is a one-line ``Sim2ActError``."""
    if name not in METHODS:
        raise Sim2ActError(f"unknown method {name!r}{suggest(name, METHODS)}; known: {', '.join(METHODS)}")
    return METHODS[name]


def parse_methods(text: str) -> list[Method]:
    """``"sim2act,ppo,bc-expert"`` → the methods, in that order, each named once."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise Sim2ActError("--methods names no method")
    return [get_method(n) for n in dict.fromkeys(names)]
