"""The loop's ledger ``loop.json``: what each round collected, spent and scored, and which stages are done.

Every stage of a round (collect, train, evaluate) is recorded when it finishes, atomically, so an
interrupted ``sim2act run`` resumes at the first unfinished stage; a stage caught half-way resumes
through its own mechanism (generation re-runs uncommitted shards, training continues from ``last``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sim2act.data.atomic import atomic_write_text
from sim2act.errors import Sim2ActError

LEDGER = "loop.json"


@dataclass
class Collection:
    """Round ``r``'s data: every executed env step counts, whether or not its episode was kept."""

    proposer: str
    rollouts: int
    kept_episodes: int
    relabeled_episodes: int
    kept_steps: int
    env_steps: int
    """Env steps executed by the proposer (kept or not)."""
    preview_steps: int
    """Simulator steps spent previewing candidate actions (π0 only) and on shortcut labels' trials, counted apart from
    env steps."""
    successes: int
    """Rollouts whose own instruction succeeded."""
    seconds: float


@dataclass
class HeldOut:
    """Success on one split: rate, its 95% interval and n."""

    success: float
    low: float
    high: float
    episodes: int


@dataclass
class RoundRecord:
    round: int
    collection: Collection | None = None
    checkpoint: str | None = None
    train_steps: int = 0
    train_seconds: float = 0.0
    val: HeldOut | None = None
    held_out: dict[str, HeldOut] = field(default_factory=dict)
    eval_seconds: float = 0.0

    @property
    def done(self) -> bool:
        return self.val is not None


@dataclass
class Ledger:
    config: dict[str, Any]
    prior: dict[str, Any] = field(default_factory=dict)
    """Path of π0, whether it was pretrained here, its pretraining frames, the env steps they cost, and seconds."""
    rounds: list[RoundRecord] = field(default_factory=list)
    stopped: str | None = None
    """Why no further round was started (saturated, budget, rounds), once decided."""
    final: dict[str, HeldOut] = field(default_factory=dict)
    """The best round's final evaluation on each held-out split."""
    best_round: int | None = None

    def round(self, r: int) -> RoundRecord:
        while len(self.rounds) <= r:
            self.rounds.append(RoundRecord(round=len(self.rounds)))
        return self.rounds[r]

    @property
    def prior_frames(self) -> int:
        return int(self.prior.get("frames", 0))

    @property
    def prior_env_steps(self) -> int:
        """Env steps executed to collect π0's pretraining frames (ledgers before they were counted: its frames)."""
        return int(self.prior.get("env_steps", self.prior_frames))

    def cumulative(self, upto: int) -> dict[str, int]:
        """Env steps, preview steps, the prior's env steps and their sum, simulator steps, spent by rounds 0..``upto``.

        Every call of the simulator counts: executed steps, previews (never executed) and the steps that
        collected the prior's frames, which round 0 could not have proposed without.
        """
        collections = [r.collection for r in self.rounds[: upto + 1] if r.collection]
        env_steps = sum(c.env_steps for c in collections)
        preview_steps = sum(c.preview_steps for c in collections)
        return {
            "env_steps": env_steps,
            "preview_steps": preview_steps,
            "prior_frames": self.prior_frames,
            "prior_env_steps": self.prior_env_steps,
            "simulator_steps": env_steps + preview_steps + self.prior_env_steps,
        }

    @property
    def env_steps(self) -> int:
        return sum(r.collection.env_steps for r in self.rounds if r.collection)

    @property
    def simulator_steps(self) -> int:
        """Every simulator step of the run: executed, previewed and spent on the prior's frames."""
        return self.cumulative(len(self.rounds))["simulator_steps"]

    def save(self, folder: Path) -> None:
        atomic_write_text(Path(folder) / LEDGER, json.dumps(asdict(self), indent=2) + "\n")


def load_ledger(folder: Path) -> Ledger | None:
    """The ledger in ``folder``, or None when the loop has not started there."""
    path = Path(folder) / LEDGER
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Ledger(
            config=data["config"],
            prior=data.get("prior", {}),
            rounds=[_round(r) for r in data.get("rounds", [])],
            stopped=data.get("stopped"),
            final={k: HeldOut(**v) for k, v in data.get("final", {}).items()},
            best_round=data.get("best_round"),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise Sim2ActError(f"corrupt loop ledger {path}: {error}") from None


def _round(data: dict[str, Any]) -> RoundRecord:
    return RoundRecord(
        round=data["round"],
        collection=Collection(**data["collection"]) if data.get("collection") else None,
        checkpoint=data.get("checkpoint"),
        train_steps=data.get("train_steps", 0),
        train_seconds=data.get("train_seconds", 0.0),
        val=HeldOut(**data["val"]) if data.get("val") else None,
        held_out={k: HeldOut(**v) for k, v in data.get("held_out", {}).items()},
        eval_seconds=data.get("eval_seconds", 0.0),
    )
