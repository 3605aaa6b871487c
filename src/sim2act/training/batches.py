"""A sim2act dataset as tensors in RAM, batched by index with no per-sample Python.

Each row's observation window (the last ``memory`` steps of its episode, the first frame repeated
before the episode starts, as Gymnasium's ``FrameStackObservation``) is a row of ``windows``;
a batch is a few tensor gathers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from rich.progress import Progress

from sim2act import features as F
from sim2act.data.torch_dataset import StepDataset
from sim2act.envs.registry import get_domain
from sim2act.errors import Sim2ActError
from sim2act.models import PolicySpec, VisionLanguagePolicy
from sim2act.models.object_view import view_targets
from sim2act.observations import compose_image
from sim2act.training.jitter import jitter_frames
from sim2act.training.shift import pixel_aligned, shift_frames

PREPARE_CHUNK = 4096


@dataclass
class Batch:
    rgb: torch.Tensor
    """Windows of prepared frames (B, k, ...)."""
    proprio: torch.Tensor
    """(B, k, P)."""
    actions: torch.Tensor
    text_ids: torch.Tensor
    """Token ids of the batch's distinct instructions (U, L)."""
    text_mask: torch.Tensor
    text_index: torch.Tensor
    """Which distinct instruction each row follows (B,)."""
    cells: torch.Tensor | None = None
    """Each row's hindsight (pick, place) cells (B, 2), -1 unknown, for a head that reads them."""
    prior: torch.Tensor | None = None
    """Each row's prior-stream cell scores (B, 2, cells), for a policy that has a prior stream."""
    view: torch.Tensor | None = None
    """Each row's view-loss targets (B,) or (B, 1 + 2 × bins) (``models.object_view``), for a policy with a view head."""


class TrainingSteps:
    """All steps of a dataset, ready to batch for one policy."""

    def __init__(self, root: str | Path, policy: VisionLanguagePolicy, show_progress: bool = False,
                 jitter: float = 0.0, shift: int = 0) -> None:
        if shift > 0 and pixel_aligned(policy):  # before the dataset is read: a user error costs nothing
            raise Sim2ActError(f"shift {shift}: this policy's actions or vision stem are tied to pixel positions "
                               "(image cells), which a shifted frame would mislabel; train it with shift 0")
        dataset = StepDataset(root)
        if not len(dataset):
            raise Sim2ActError(f"dataset {root} keeps no steps (its labels dropped every episode); nothing to train on")
        reason = policy.spec.compatible_with(PolicySpec.from_card(dataset.card))
        if reason:
            raise Sim2ActError(f"dataset {root} does not fit this policy: {reason}")
        self.card = dataset.card
        arrays = dataset.arrays
        spec = policy.spec
        self.jitter, self.shift = jitter, shift
        pooled = getattr(policy.vision, "pool_pixel_features", None)
        if jitter > 0 or (shift > 0 and pooled is None):  # augmented per batch: kept as images, prepared per batch
            self.images = torch.from_numpy(compose_image({k: arrays[k] for k in (*spec.cameras, *spec.depth)},
                                                         spec.cameras, spec.depth, spec.depth_range))
            self.prepare_frames = policy.prepare_frames
            n = len(self.images)
        elif shift > 0:  # only moved: what the stem computes per pixel is kept, and pooled per batch
            self.images = _prepare(policy, arrays, show_progress, policy.vision.pixel_features)
            self.prepare_frames = pooled
            n = len(self.images)
        else:
            self.rgb = _prepare(policy, arrays, show_progress, policy.prepare_frames)
            n = len(self.rgb)
        proprio = arrays[spec.proprio_key] if spec.proprio_size else np.zeros((n, 0), np.float32)
        self.proprio = torch.tensor(proprio, dtype=torch.float32)
        self.actions = torch.tensor(arrays[F.ACTION], dtype=torch.float32 if spec.action_type == "box" else torch.long)
        self.windows = episode_windows(arrays[F.EPISODE_ID], arrays[F.STEP], policy.config.memory)
        chunk = policy.config.action_chunk
        self.chunks = episode_chunks(arrays[F.EPISODE_ID], arrays[F.STEP], chunk) if chunk > 1 else None
        self.cells = None
        if getattr(policy.head, "reads_cells", False):
            self.cells = hindsight_cells(spec, arrays[spec.proprio_key], arrays[F.ACTION], arrays[F.STEP])
        self.instructions = dataset.instructions
        self.instruction_ids = torch.from_numpy(dataset.instruction_ids)
        self.text_ids, self.text_mask = policy.tokenizer.encode(self.instructions)
        self.prior = None
        if policy.prior_stream is not None:  # π0 is frozen: each row's scores are computed once
            instructions = [self.instructions[i] for i in self.instruction_ids.tolist()]
            self.prior = _prior_scores(policy, arrays[spec.cameras[0]], instructions, show_progress)
        self.view = None
        if policy.view_head is not None:
            if F.OBJECT_VIEW not in arrays:
                raise Sim2ActError(f"dataset {root} has no {F.OBJECT_VIEW} annotations (collected before they were "
                                   "recorded); the policy's view_weight needs them")
            self.view = view_targets(spec.domain, self.instructions, dataset.instruction_ids, arrays[F.OBJECT_VIEW],
                                     policy.config.view_parts or policy.config.view_map)

    def __len__(self) -> int:
        return len(self.actions)

    def batch(self, index: torch.Tensor) -> Batch:
        """The rows ``index`` with their observation windows."""
        window = self.windows[index]
        distinct, inverse = torch.unique(self.instruction_ids[index], return_inverse=True)
        return Batch(
            rgb=self._frames(window),
            proprio=self.proprio[window],
            actions=self.actions[index] if self.chunks is None else self.actions[self.chunks[index]].flatten(1),
            text_ids=self.text_ids[distinct],
            text_mask=self.text_mask[distinct],
            text_index=inverse,
            cells=None if self.cells is None else self.cells[index],
            prior=None if self.prior is None else self.prior[index],
            view=None if self.view is None else self.view[index],
        )

    def _frames(self, window: torch.Tensor) -> torch.Tensor:
        """Prepared frames of the windows (B, k, ...), recoloured and shifted first when training with either."""
        if self.jitter <= 0 and self.shift <= 0:
            return self.rgb[window]
        images = shift_frames(jitter_frames(self.images[window], self.jitter), self.shift)
        prepared = self.prepare_frames(images.flatten(0, 1))
        return prepared.view(*window.shape, *prepared.shape[1:])


def joined(first: Batch, second: Batch) -> Batch:
    """The rows of two batches as one: ``second``'s instructions follow ``first``'s (padded to the longer)."""
    length = max(first.text_ids.shape[1], second.text_ids.shape[1])

    def padded(values: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.pad(values, (0, length - values.shape[1]))

    def both(a: torch.Tensor | None, b: torch.Tensor | None) -> torch.Tensor | None:
        return None if a is None else torch.cat([a, b])

    return Batch(
        rgb=torch.cat([first.rgb, second.rgb]),
        proprio=torch.cat([first.proprio, second.proprio]),
        actions=torch.cat([first.actions, second.actions]),
        text_ids=torch.cat([padded(first.text_ids), padded(second.text_ids)]),
        text_mask=torch.cat([padded(first.text_mask), padded(second.text_mask)]),
        text_index=torch.cat([first.text_index, second.text_index + len(first.text_ids)]),
        cells=both(first.cells, second.cells),
        prior=both(first.prior, second.prior),
        view=both(first.view, second.view),
    )


def episode_windows(episode_ids: np.ndarray, steps: np.ndarray, memory: int) -> torch.Tensor:
    """Row indices (N, memory) of each row's window, oldest first, clamped to its episode's first row.

    >>> episode_windows(np.array([7, 7, 7, 9, 9]), np.array([0, 1, 2, 0, 1]), 3).tolist()
    [[0, 0, 0], [0, 0, 1], [0, 1, 2], [3, 3, 3], [3, 3, 4]]
    """
    steps = steps.astype(np.int64)
    rows = np.arange(len(steps))
    continues = steps[1:] > 0
    consecutive = (episode_ids[1:] == episode_ids[:-1]) & (steps[1:] == steps[:-1] + 1)
    if len(steps) and (steps[0] != 0 or (continues & ~consecutive).any()):
        raise Sim2ActError("dataset rows are not stored episode by episode in step order")
    first = rows - steps
    offsets = np.arange(memory - 1, -1, -1)
    return torch.from_numpy(np.maximum(rows[:, None] - offsets[None, :], first[:, None]))


def episode_chunks(episode_ids: np.ndarray, steps: np.ndarray, chunk: int) -> torch.Tensor:
    """Row indices (N, chunk) of each row's action chunk: the row and the next ``chunk - 1`` of its episode, the
    episode's last row repeated past its end (the last action held).

    >>> episode_chunks(np.array([7, 7, 7, 9, 9]), np.array([0, 1, 2, 0, 1]), 3).tolist()
    [[0, 1, 2], [1, 2, 2], [2, 2, 2], [3, 4, 4], [4, 4, 4]]
    """
    rows = np.arange(len(steps))
    starts = episode_starts(steps)
    lengths = np.diff(np.r_[starts, len(rows)])
    last = np.repeat(starts + lengths - 1, lengths)
    return torch.from_numpy(np.minimum(rows[:, None] + np.arange(chunk)[None, :], last[:, None]))


def episode_starts(steps: np.ndarray) -> np.ndarray:
    """The first row of each episode, of rows stored episode by episode in step order.

    >>> episode_starts(np.array([0, 1, 2, 0, 1])).tolist()
    [0, 3]
    """
    first = np.arange(len(steps)) - steps.astype(np.int64)
    return np.flatnonzero(np.r_[True, first[1:] != first[:-1]])


def hindsight_cells(spec: PolicySpec, proprio: np.ndarray, actions: np.ndarray, steps: np.ndarray) -> torch.Tensor:
    """Every row's (pick, place) cells (N, 2): where its episode goes on to grasp and let go (``CellMotions.grasp_cells``)."""
    motions = get_domain(spec.domain).cell_motions
    motions = motions(spec.env_options) if motions is not None else None
    if motions is None or motions.grasp_cells is None:
        raise Sim2ActError(f"the {spec.domain} domain with env options {spec.env_options} labels no grasp cells")
    cells = np.full((len(actions), 2), -1, np.int64)
    starts = episode_starts(steps)
    for start, end in zip(starts, np.r_[starts[1:], len(actions)]):
        cells[start:end] = motions.grasp_cells(proprio[start:end], actions[start:end])
    return torch.from_numpy(cells)


def _prior_scores(
    policy: VisionLanguagePolicy, frames: np.ndarray, instructions: list[str], show_progress: bool,
) -> torch.Tensor:
    """Every row's prior-stream cell scores (N, 2, cells), chunk by chunk."""
    chunks = []
    with Progress(transient=True, disable=not show_progress) as progress:
        task = progress.add_task("π0 scoring cells", total=len(frames))
        for start in range(0, len(frames), PREPARE_CHUNK):
            stop = start + PREPARE_CHUNK
            chunks.append(policy.prior_scores(torch.from_numpy(np.ascontiguousarray(frames[start:stop])), instructions[start:stop]))
            progress.advance(task, len(chunks[-1]))
    return torch.cat(chunks).float()


def _prepare(policy: VisionLanguagePolicy, arrays: dict[str, np.ndarray], show_progress: bool, prepare) -> torch.Tensor:
    """Every row's composed image (``sim2act.observations``) through ``prepare`` (the vision encoder's preparation, or
    its per-pixel part), chunk by chunk."""
    spec = policy.spec
    rows = len(arrays[spec.cameras[0]])
    chunks = []
    with Progress(transient=True, disable=not show_progress) as progress:
        task = progress.add_task("preparing frames", total=rows)
        for start in range(0, rows, PREPARE_CHUNK):
            part = {key: arrays[key][start : start + PREPARE_CHUNK] for key in (*spec.cameras, *spec.depth)}
            chunk = torch.tensor(compose_image(part, spec.cameras, spec.depth, spec.depth_range))
            chunks.append(prepare(chunk).contiguous())
            progress.advance(task, len(chunk))
    return torch.cat(chunks)
