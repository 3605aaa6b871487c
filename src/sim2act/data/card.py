"""The dataset card ``meta/info.json``: schema, counts, splits, generating configs and provenance."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sim2act
from sim2act.data.atomic import atomic_write_text
from sim2act.data.feature_stats import merge
from sim2act.data.schema import SCHEMA_VERSION
from sim2act.errors import Sim2ActError


@dataclass
class ShardStats:
    """What one committed shard holds, and what its rollouts cost before labeling dropped any."""

    episodes: int
    """Episodes kept in the shard."""
    steps: int
    """Step rows kept in the shard."""
    successes: int
    """Kept episodes that end in success under their (possibly relabeled) instruction."""
    rollouts: int | None = None
    """Episodes rolled out for the shard, kept or not (cards before schema 2: ``episodes``)."""
    executed_steps: int | None = None
    """Env steps executed for the shard, kept or not (cards before schema 2: ``steps``)."""
    rollout_successes: int | None = None
    """Rollouts whose own instruction succeeded (cards before schema 2: ``successes``)."""
    relabeled: int = 0
    """Kept episodes whose instruction was relabeled in hindsight."""
    preview_steps: int = 0
    """Simulator steps run for the shard beside the executed ones: the proposer's previews and shortcut labels' trials
    (``labels.shortcuts``) (0 on older cards)."""
    features: dict[str, dict] = field(default_factory=dict)
    """Moments of each observation, action and reward column over the kept steps (``data.feature_stats``; empty on older cards)."""

    def __post_init__(self) -> None:
        self.rollouts = self.episodes if self.rollouts is None else self.rollouts
        self.executed_steps = self.steps if self.executed_steps is None else self.executed_steps
        self.rollout_successes = self.successes if self.rollout_successes is None else self.rollout_successes


@dataclass
class DatasetCard:
    """What ``meta/info.json`` holds; ``runs`` lists every generation that wrote into the dataset."""

    domain: str
    split: str
    features: dict[str, dict]
    action_space: dict
    runs: list[dict] = field(default_factory=list)
    shards: dict[int, ShardStats] = field(default_factory=dict)
    sensors: dict[str, Any] = field(default_factory=dict)
    """The domain's ``Sensors`` (camera, depth and proprio keys); cards before it: derived from ``features``."""
    codebase_version: str = sim2act.__version__
    git_revision: str | None = None
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if not self.sensors:
            self.sensors = {
                "cameras": ["rgb"],
                "depth": ["depth"] if "depth" in self.features else [],
                "proprio": "proprio" if "proprio" in self.features else None,
            }

    @property
    def stats(self) -> dict[str, dict]:
        """Per-feature min, max, mean, std and count over every shard that recorded moments."""
        names = sorted({name for s in self.shards.values() for name in s.features})
        return {name: merge(s.features[name] for s in self.shards.values() if name in s.features) for name in names}

    @property
    def counts(self) -> dict[str, int]:
        stats = self.shards.values()
        return {
            "episodes": sum(s.episodes for s in stats),
            "steps": sum(s.steps for s in stats),
            "successes": sum(s.successes for s in stats),
            "shards": len(self.shards),
            "rollouts": sum(s.rollouts for s in stats),
            "executed_steps": sum(s.executed_steps for s in stats),
            "rollout_successes": sum(s.rollout_successes for s in stats),
            "relabeled": sum(s.relabeled for s in stats),
            "preview_steps": sum(s.preview_steps for s in stats),
        }

    def to_json(self) -> dict[str, Any]:
        counts = self.counts
        return {
            "schema_version": self.schema_version,
            "codebase_version": self.codebase_version,
            "git_revision": self.git_revision,
            "domain": self.domain,
            "levels": sorted({run["config"]["level"] for run in self.runs}),
            "split": self.split,
            "counts": counts,
            "success_rate": counts["successes"] / counts["episodes"] if counts["episodes"] else 0.0,
            "splits": {self.split: {"episodes": counts["episodes"], "steps": counts["steps"]}},
            "features": self.features,
            "action_space": self.action_space,
            "sensors": self.sensors,
            "stats": self.stats,
            "runs": self.runs,
            "shards": {f"{i:05d}": vars(s) for i, s in sorted(self.shards.items())},
            "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DatasetCard:
        return cls(
            domain=data["domain"],
            split=data["split"],
            features=data["features"],
            action_space=data["action_space"],
            runs=data["runs"],
            shards={int(i): ShardStats(**s) for i, s in data.get("shards", {}).items()},
            codebase_version=data["codebase_version"],
            git_revision=data.get("git_revision"),
            schema_version=data["schema_version"],
            sensors=data.get("sensors", {}),
        )

    def save(self, path: Path) -> None:
        atomic_write_text(path, json.dumps(self.to_json(), indent=2) + "\n")


def load_card(path: Path) -> DatasetCard:
    """Read a dataset card; a missing or unreadable one is a one-line error naming the file."""
    if not path.exists():
        raise Sim2ActError(f"not a sim2act dataset: {path} is missing")
    try:
        card = DatasetCard.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as error:
        raise Sim2ActError(f"corrupt dataset card {path}: {error}") from None
    if card.schema_version > SCHEMA_VERSION:
        raise Sim2ActError(
            f"{path} has schema version {card.schema_version}; this sim2act reads up to {SCHEMA_VERSION}: upgrade sim2act"
        )
    return card


def git_revision() -> str | None:
    """The commit of the sim2act source tree, when it is a git checkout."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None
