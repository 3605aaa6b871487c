"""Summary statistics of a dataset, for ``sim2act inspect``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from sim2act import features as F
from sim2act.data.reader import load_episodes, load_steps, open_dataset


@dataclass
class DatasetStatistics:
    episodes: int
    steps: int
    rollouts: int
    """Episodes rolled out, kept or not (equals ``episodes`` unless a labeler dropped some)."""
    executed_steps: int
    """Env steps executed, kept or not."""
    labels: list[tuple[str, int]]
    """Episode counts by label: original, success, hindsight."""
    success_rate: float
    mean_length: float
    distinct_instructions: int
    mean_instruction_words: float
    top_instructions: list[tuple[str, int]]
    """Most frequent instructions with their episode counts."""
    verbs: list[tuple[str, int]]
    """Episode counts by the instruction's first words (``go to``, ``pick up``, ...)."""
    action_counts: list[tuple[str, int]]
    """Step counts per discrete action (empty for Box actions)."""
    achieved_per_episode: float
    proposers: list[tuple[str, int]]
    levels: list[str]
    split: str


def dataset_statistics(root: Path, top: int = 10) -> DatasetStatistics:
    """Count episodes, steps, successes, instructions and actions of the dataset at ``root``."""
    _, card = open_dataset(root)
    episodes = load_episodes(root)
    instructions = episodes.column(F.INSTRUCTION).to_pylist()
    by_instruction = Counter(instructions)
    verbs = Counter(" ".join(text.split()[:2]) for text in instructions)
    action_counts: list[tuple[str, int]] = []
    if card.action_space["type"] == "discrete":
        actions = load_steps(root, columns=[F.ACTION]).column(F.ACTION).to_numpy()
        counts = np.bincount(actions, minlength=card.action_space["n"])
        names = card.action_space.get("names") or list(range(len(counts)))
        action_counts = [(str(name), int(c)) for name, c in zip(names, counts)]
    lengths = episodes.column("length").to_numpy()
    return DatasetStatistics(
        episodes=episodes.num_rows,
        steps=int(lengths.sum()),
        rollouts=card.counts["rollouts"],
        executed_steps=card.counts["executed_steps"],
        labels=Counter(episodes.column(F.LABEL).to_pylist()).most_common(),
        success_rate=float(pc.mean(episodes.column(F.SUCCESS).cast("float64")).as_py() or 0.0),
        mean_length=float(lengths.mean()) if len(lengths) else 0.0,
        distinct_instructions=len(by_instruction),
        mean_instruction_words=float(np.mean([len(t.split()) for t in instructions])) if instructions else 0.0,
        top_instructions=by_instruction.most_common(top),
        verbs=verbs.most_common(),
        action_counts=action_counts,
        achieved_per_episode=float(pc.mean(pc.list_value_length(episodes.column("achieved"))).as_py() or 0.0),
        proposers=Counter(episodes.column(F.PROPOSER).to_pylist()).most_common(),
        levels=sorted(set(episodes.column(F.LEVEL).to_pylist())),
        split=card.split,
    )
