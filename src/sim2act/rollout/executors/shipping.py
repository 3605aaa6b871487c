"""The files a generation config points at (π_θ's checkpoint, π0's folder), shipped to workers that may not share a disk.

The driver reads them once into a ``ShippedFiles`` (put once in Ray's object store per run, so once per round
of ``sim2act run``); each worker writes them under its own temporary folder and runs a config pointing there.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from sim2act.errors import Sim2ActError
from sim2act.training.checkpoints import OPTIMIZER, TRAINER_STATE, resolve_policy_folder

LEFT_BEHIND = frozenset({OPTIMIZER, TRAINER_STATE})
"""A checkpoint's training state: a proposer never reads it."""


@dataclass(frozen=True)
class ShippedFiles:
    """Path-valued config fields (``policy``, ``prior``) and the bytes of each folder's files, by relative path."""

    folders: dict[str, dict[str, bytes]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(len(data) for files in self.folders.values() for data in files.values())


def pack(config) -> ShippedFiles:
    """Read the folders ``config.policy`` and ``config.prior`` name (those set), leaving training state behind."""
    folders = {}
    if config.policy is not None:
        folders["policy"] = _read_folder(resolve_policy_folder(config.policy))
    if config.prior is not None:
        folders["prior"] = _read_folder(Path(config.prior))
    return ShippedFiles(folders)


def unpack(config, shipped: ShippedFiles) -> tuple:
    """Write the shipped folders under a new temporary folder; return the config pointing there, and that folder."""
    root = Path(tempfile.mkdtemp(prefix="sim2act-shipped-"))
    for name, files in shipped.folders.items():
        for relative, data in files.items():
            path = root / name / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return replace(config, **{name: str(root / name) for name in shipped.folders}), root


def remove(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)


def _read_folder(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        raise Sim2ActError(f"{folder}: not a folder, so it cannot be shipped to the workers")
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in LEFT_BEHIND
    }
