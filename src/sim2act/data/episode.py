"""One recorded episode: the unit that labels transform and the shard writer stores."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim2act import features as F
from sim2act.tasks import Task


@dataclass
class Episode:
    """One recorded episode: row ``t`` holds o_t and the action a_t taken from it, with its outcome."""

    episode_id: int
    task: Task
    observations: dict[str, np.ndarray]
    """``rgb`` / ``depth`` / ``proprio`` arrays with a leading time axis."""
    actions: np.ndarray
    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    success: np.ndarray
    achieved: list[tuple[int, str]] = field(default_factory=list)
    """(step, instruction) for the first time each instruction became true."""
    label: str = F.LABEL_ORIGINAL
    """How ``task.instruction`` was obtained: original, success or hindsight (see ``sim2act.labels``)."""
    original_instruction: str = ""
    """The instruction the episode was collected with (``task.instruction`` unless relabeled)."""
    state_keys: list | None = None
    """Keys of the simulator states s_0..s_T (one more than steps) when the env reports them; kept in memory only."""
    annotations: dict[str, np.ndarray] = field(default_factory=dict)
    """The env's privileged per-step annotations of o_t (``annotation_space``), with a leading time axis: stored as
    step columns for training targets, never observations."""

    def __post_init__(self) -> None:
        self.original_instruction = self.original_instruction or self.task.instruction

    def __len__(self) -> int:
        return len(self.actions)

    @property
    def succeeded(self) -> bool:
        return bool(self.success.any())
