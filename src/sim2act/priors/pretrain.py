"""``sim2act pretrain-prior``: contrastive pretraining of a small CLIP on simulator frames and captions.

Frames come from uniformly random episodes on train-split tasks (``frames.py``); every step draws a
fresh caption for each frame of its batch (``captioning.py``). The loss is the symmetric
multi-positive InfoNCE of ``sim2act.training.losses`` between the batch's frames and its distinct
captions: frames that drew the same caption are positives of each other. The temperature is CLIP's
learned logit scale (capped at 100, as in CLIP).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

import sim2act
from sim2act.data.card import git_revision
from sim2act.determinism import deterministic_torch
from sim2act.envs import get_domain
from sim2act.models.clip_embedder import ClipEmbedder
from sim2act.priors.config import PriorConfig
from sim2act.priors.frames import FrameSet, collect_frames
from sim2act.priors.io import check_out, save_prior
from sim2act.priors.model import build_prior
from sim2act.priors.regions import RegionRetrieval, region_retrieval
from sim2act.priors.retrieval import Retrieval, nearest_instruction_retrieval
from sim2act.priors.threads import torch_threads
from sim2act.progress import Progress
from sim2act.training.losses import multi_positive_info_nce
from sim2act.training.schedule import warmup_cosine
from sim2act.training.weight_decay import parameter_groups

MAX_LOGIT_SCALE = math.log(100.0)


@dataclass
class PretrainSummary:
    """What one pretraining run did and measured (also saved in ``prior.json``)."""

    out: Path
    frames: int
    image_size: int
    env_steps: int
    """Env steps executed to collect the frames: the prior's share of simulator steps."""
    frames_seen: int
    steps: int
    final_loss: float
    retrieval: Retrieval
    region_retrieval: RegionRetrieval | None
    """Phrase retrieval at held-out frames' named regions, where the domain lists regions."""
    logit_scale: float
    collect_seconds: float
    train_seconds: float


def pretrain_prior(
    config: PriorConfig,
    out: Path,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
    log_every: int = 100,
    threads: int | None = 1,
) -> PretrainSummary:
    """Collect frames, pretrain the prior and save it to ``out`` (see ``sim2act.priors.io``).

    ``threads``: torch intra-op threads while training (None: torch's own; see ``sim2act.priors.threads``).
    """
    config = config.validated()
    check_out(Path(out), overwrite)
    progress = progress or Progress()
    with torch_threads(threads), deterministic_torch():
        return _pretrain(config, Path(out), progress, log_every)


def prior_image_size(frame_shape: tuple[int, int], patch_size: int) -> int:
    """The side of the prior's square input: the frames' own when they are square and cut into whole patches,
    else their longer side rounded up to whole patches (CLIP's vision tower reads squares; frames are resized).

    >>> prior_image_size((56, 56), 8), prior_image_size((32, 48), 8), prior_image_size((60, 80), 16)
    (56, 48, 80)
    """
    side = max(frame_shape)
    return -(-side // patch_size) * patch_size


def _pretrain(config: PriorConfig, out: Path, progress: Progress, log_every: int) -> PretrainSummary:
    started = time.perf_counter()
    progress.start(config.frames, phase="frames")
    frames = collect_frames(config, progress.advance)
    collect_seconds = time.perf_counter() - started
    image_size = prior_image_size(frames.frames.shape[1:3], config.patch_size)
    train_rows, held_rows = frames.split(config.held_out_fraction)

    embedder = build_prior(config, get_domain(config.domain).grammar.vocabulary, image_size)
    started = time.perf_counter()
    progress.start(config.steps, phase="steps")
    final_loss = _train(embedder, frames, train_rows, config, progress, log_every)
    train_seconds = time.perf_counter() - started

    embedder.eval()
    retrieval = nearest_instruction_retrieval(embedder, frames.frames, frames.captions, held_rows)
    regions = region_retrieval(embedder, frames.frames, frames.regions, held_rows) if frames.regions else None
    summary = PretrainSummary(
        out=out,
        frames=len(frames),
        image_size=image_size,
        env_steps=frames.env_steps,
        frames_seen=config.steps * config.batch_size,
        steps=config.steps,
        final_loss=final_loss,
        retrieval=retrieval,
        region_retrieval=regions,
        logit_scale=embedder.logit_scale,
        collect_seconds=collect_seconds,
        train_seconds=train_seconds,
    )
    save_prior(embedder, out, _info(config, summary, len(train_rows), len(held_rows)))
    return summary


def _train(
    embedder: ClipEmbedder,
    frames: FrameSet,
    rows: np.ndarray,
    config: PriorConfig,
    progress: Progress,
    log_every: int,
) -> float:
    """Optimise the multi-positive InfoNCE for ``config.steps`` steps; the mean loss of the last tenth."""
    embedder.train()
    rng = np.random.default_rng([config.seed, 2])
    region_rng = np.random.default_rng([config.seed, 3])  # its own stream: domains without regions draw as before
    table, regions = frames.captions, frames.regions if config.region_weight > 0 else None
    ids, mask = embedder.tokenize(table.texts)  # every caption text, tokenized once
    if regions is not None:
        region_ids, region_mask = embedder.tokenize(regions.texts)
    optimizer = torch.optim.AdamW(parameter_groups(embedder, config.weight_decay), lr=config.lr)
    losses, region_losses = [], []
    for step in range(config.steps):
        for group in optimizer.param_groups:
            group["lr"] = config.lr * warmup_cosine(step, config.steps, config.warmup_steps)
        batch = rng.choice(rows, size=min(config.batch_size, len(rows)), replace=False)
        drawn = table.draw(batch, rng, config.caption_discount)
        images, grid = embedder.images_and_patches(torch.from_numpy(frames.frames[batch]), patches=regions is not None)
        temperature = 1.0 / embedder.model.logit_scale.exp()
        loss = _text_info_nce(embedder, images, drawn, ids, mask, temperature)
        if regions is not None:
            region_loss = _region_loss(embedder, grid, regions, batch, region_rng, config, region_ids, region_mask, temperature)
            region_losses.append(float(region_loss.detach()))
            loss = loss + config.region_weight * region_loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            embedder.model.logit_scale.clamp_(0.0, MAX_LOGIT_SCALE)
        losses.append(float(loss.detach()))
        progress.advance(1)
        if (step + 1) % log_every == 0 or step + 1 == config.steps:
            recent = float(np.mean(losses[-log_every:]))
            parts = f" (regions {np.mean(region_losses[-log_every:]):.3f})" if region_losses else ""
            progress.log(f"step {step + 1}/{config.steps}  loss {recent:.3f}{parts}  logit scale {embedder.logit_scale:.2f}")
    return float(np.mean(losses[-max(1, config.steps // 10) :]))


def _region_loss(embedder, grid, regions, batch, rng, config, ids, mask, temperature) -> torch.Tensor:
    """Multi-positive InfoNCE between the patch embeddings at drawn regions and the batch's distinct phrases."""
    frame_of, region_of = regions.draw(batch, rng, config.regions_per_frame)
    rows = batch[frame_of]
    points = torch.from_numpy(regions.xy[rows, region_of])
    patches = embedder.at_points(grid[torch.from_numpy(frame_of)], points[:, None, :])[:, 0]
    return _text_info_nce(embedder, patches, regions.text[rows, region_of], ids, mask, temperature)


def _text_info_nce(embedder, embeddings, drawn, ids, mask, temperature) -> torch.Tensor:
    """Multi-positive InfoNCE between ``embeddings`` (N, D) and the distinct texts of ``drawn`` (N text ids into the
    tokenized ``ids``/``mask``): rows that drew the same text are positives of it."""
    distinct, text_of = np.unique(drawn, return_inverse=True)
    keep = torch.from_numpy(distinct)
    texts = embedder.token_embeddings(ids[keep], mask[keep])
    positives = torch.from_numpy(text_of.reshape(-1)[:, None] == np.arange(len(distinct))[None, :])
    return multi_positive_info_nce(embeddings, texts, positives, temperature)


def _info(config: PriorConfig, summary: PretrainSummary, train_frames: int, held_out_frames: int) -> dict:
    return {
        "config": asdict(config),
        "image_size": summary.image_size,
        "frames": summary.frames,
        "env_steps": summary.env_steps,
        "train_frames": train_frames,
        "held_out_frames": held_out_frames,
        "frames_seen": summary.frames_seen,
        "steps": summary.steps,
        "final_loss": round(summary.final_loss, 5),
        "retrieval_accuracy": round(summary.retrieval.accuracy, 5),
        "retrieval_chance": round(summary.retrieval.chance, 5),
        "retrieval_frames": summary.retrieval.frames,
        "retrieval_candidates": summary.retrieval.candidates,
        **({"region_accuracy": round(summary.region_retrieval.accuracy, 5),
            "region_chance": round(summary.region_retrieval.chance, 5),
            "region_count": summary.region_retrieval.regions} if summary.region_retrieval else {}),
        "logit_scale": round(summary.logit_scale, 4),
        "collect_seconds": round(summary.collect_seconds, 2),
        "train_seconds": round(summary.train_seconds, 2),
        "codebase_version": sim2act.__version__,
        "git_revision": git_revision(),
    }
