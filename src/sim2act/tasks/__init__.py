"""Task sampling and the declarative train / val / held-out splits."""

from sim2act.tasks.sampler import Task, TaskSampler
from sim2act.tasks.splits import (
    SPLITS,
    Split,
    belongs_to,
    check_trainable,
    get_split,
    names_held_out,
)

__all__ = ["SPLITS", "Split", "Task", "TaskSampler", "belongs_to", "check_trainable", "get_split", "names_held_out"]
