"""The agents' inputs: ``TaskEnv`` arrays as tensors, and DrQ's random-shift augmentation."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from sim2act.baselines.task_env import IMAGE, INSTRUCTION_IDS, PROPRIO


def to_tensors(obs: dict[str, np.ndarray], device: torch.device) -> dict[str, torch.Tensor]:
    """``TaskEnv`` arrays → the encoder's input: images scaled to [0, 1] (as stable-baselines3 feeds it)."""
    tensors = {IMAGE: torch.as_tensor(obs[IMAGE], device=device).float().div_(255.0),
               INSTRUCTION_IDS: torch.as_tensor(obs[INSTRUCTION_IDS], device=device).long()}
    if PROPRIO in obs:
        tensors[PROPRIO] = torch.as_tensor(obs[PROPRIO], device=device).float()
    return tensors


def random_shift(images: torch.Tensor, pad: int, generator: torch.Generator) -> torch.Tensor:
    """DrQ's augmentation: replicate-pad (B, H, W, C) images by ``pad`` and crop each back at a random offset."""
    if pad == 0:
        return images
    b, h, w, _ = images.shape
    padded = F.pad(images.permute(0, 3, 1, 2), (pad, pad, pad, pad), mode="replicate")
    dx = torch.randint(0, 2 * pad + 1, (b,), generator=generator)
    dy = torch.randint(0, 2 * pad + 1, (b,), generator=generator)
    rows = (dy[:, None] + torch.arange(h)[None]).to(images.device)  # (B, H)
    cols = (dx[:, None] + torch.arange(w)[None]).to(images.device)  # (B, W)
    batch = torch.arange(b, device=images.device)[:, None, None]
    cropped = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]
    return cropped
