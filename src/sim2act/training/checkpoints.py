"""A training run's folder: checkpoints (policy + optimizer state) and the ``last`` pointer.

``runs/NAME/checkpoints/step-0004000/`` holds a loadable policy (see ``models.policy_io``) plus
``optimizer.safetensors`` and ``trainer_state.json``; ``checkpoints/last`` is a symlink to the newest
one, swapped atomically. A checkpoint folder is written under a temporary name and renamed, so a
killed run never leaves a half-written checkpoint behind.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from sim2act.errors import Sim2ActError
from sim2act.models import VisionLanguagePolicy, save_policy
from sim2act.models.policy_io import POLICY_JSON

if TYPE_CHECKING:
    from sim2act.training.config import TrainConfig

TRAIN_CONFIG = "train_config.json"
TRAINER_STATE = "trainer_state.json"
OPTIMIZER = "optimizer.safetensors"


class TrainRunFolder:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.checkpoints = self.root / "checkpoints"
        self.last = self.checkpoints / "last"
        self.config = self.root / TRAIN_CONFIG
        self.tensorboard = self.root / "tensorboard"

    def step_folder(self, step: int) -> Path:
        return self.checkpoints / f"step-{step:07d}"


def save_checkpoint(
    run: TrainRunFolder, policy: VisionLanguagePolicy, optimizer: torch.optim.Optimizer, state: dict
) -> Path:
    """Write the checkpoint of ``state["step"]`` and point ``last`` at it."""
    final = run.step_folder(state["step"])
    partial = final.with_name(final.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    save_policy(policy, partial)
    tensors, groups = _flatten_optimizer(optimizer)
    save_file(tensors, str(partial / OPTIMIZER))
    (partial / TRAINER_STATE).write_text(json.dumps({**state, "param_groups": groups}, indent=2))
    shutil.copy(run.config, partial / TRAIN_CONFIG)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(partial, final)
    link = run.checkpoints / "last.tmp"
    link.unlink(missing_ok=True)
    link.symlink_to(final.name)
    os.replace(link, run.last)
    return final


def load_training_state(folder: Path, policy: VisionLanguagePolicy, optimizer: torch.optim.Optimizer) -> dict:
    """Restore the policy's and optimizer's tensors from a checkpoint; return its trainer state."""
    from sim2act.models.policy_io import read_state_dict

    policy.load_state_dict(read_state_dict(folder))
    try:
        state = json.loads((folder / TRAINER_STATE).read_text())
        tensors = load_file(str(folder / OPTIMIZER))
    except (OSError, ValueError, SafetensorError) as error:
        raise Sim2ActError(f"corrupt checkpoint {folder}: {error}") from None
    optimizer.load_state_dict(_unflatten_optimizer(tensors, state.pop("param_groups")))
    return state


def resolve_policy_folder(path: str | Path) -> Path:
    """A policy checkpoint folder from a checkpoint folder or a training run (its ``last`` one)."""
    path = Path(path)
    if (path / POLICY_JSON).is_file():
        return path
    last = TrainRunFolder(path).last
    if last.exists() and (last / POLICY_JSON).is_file():
        return last.resolve()
    if not path.exists():
        raise Sim2ActError(f"no checkpoint at {path}: not found")
    raise Sim2ActError(f"no checkpoint at {path}: neither a policy folder ({POLICY_JSON}) nor a run with checkpoints/last")


def training_config_of(checkpoint: str | Path) -> TrainConfig | None:
    """The training config a policy checkpoint was trained with (a ``TrainConfig``), None when it has none."""
    from sim2act.training.config import TrainConfig

    config = resolve_policy_folder(checkpoint) / TRAIN_CONFIG
    if not config.is_file():
        return None
    try:
        return TrainConfig.from_dict(json.loads(config.read_text()))
    except (ValueError, TypeError, Sim2ActError):
        return None


def _flatten_optimizer(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], list[dict]]:
    state = optimizer.state_dict()
    tensors = {
        f"{index}.{name}": torch.as_tensor(value).detach().cpu().contiguous()
        for index, entries in state["state"].items()
        for name, value in entries.items()
    }
    return tensors, state["param_groups"]


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], groups: list[dict]) -> dict:
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    return {"state": state, "param_groups": groups}
