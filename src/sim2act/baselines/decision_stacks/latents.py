"""The latent space Decision Stacks plans in: π0's frozen towers.

Pixel diffusion is out of reach on a CPU, so frames are planned as latents: π0's image embedding joined
with its patch embeddings average-pooled to 2×2 (where things are, which the inverse step from one frame
to the next needs), standardised per dimension over the training data. The goal is the instruction's
embedding from π0's text tower.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from sim2act.models.clip_embedder import ClipEmbedder
from sim2act.priors.threads import torch_threads

POOLED = 2
"""The patch grid is average-pooled to POOLED × POOLED."""


class FrameLatents:
    """Frames → standardised latents, instructions → goal embeddings, with π0 frozen."""

    def __init__(self, prior: str, mean: np.ndarray | None = None, std: np.ndarray | None = None, threads: int | None = None) -> None:
        self.embedder = ClipEmbedder.load(prior).requires_grad_(False)
        self.threads = threads
        self.mean, self.std = mean, std
        self._goals: dict[str, torch.Tensor] = {}

    @torch.no_grad()
    def raw(self, frames: np.ndarray, batch: int = 256) -> np.ndarray:
        """(N, H, W, C) uint8 frames → (N, 5·D) float32, before standardisation."""
        out = []
        with torch_threads(self.threads):
            for start in range(0, len(frames), batch):
                chunk = torch.from_numpy(np.ascontiguousarray(frames[start:start + batch]))
                image, grid = self.embedder.images_and_patches(chunk)
                pooled = F.adaptive_avg_pool2d(grid, POOLED).flatten(1)
                out.append(torch.cat([image, pooled], 1).numpy())
        return np.concatenate(out).astype(np.float32)

    def fit(self, latents: np.ndarray) -> np.ndarray:
        """Set the standardisation from ``latents`` (raw) and return them standardised."""
        self.mean = latents.mean(0)
        self.std = latents.std(0) + 1e-4
        return self.standardise(latents)

    def standardise(self, latents: np.ndarray) -> np.ndarray:
        return ((latents - self.mean) / self.std).astype(np.float32)

    def frames(self, frames: np.ndarray) -> np.ndarray:
        """(N, H, W, C) uint8 → (N, 5·D) standardised latents."""
        return self.standardise(self.raw(frames))

    @torch.no_grad()
    def goals(self, instructions: list[str]) -> torch.Tensor:
        """(N, D) unit text embeddings of the instructions (cached)."""
        new = sorted({text for text in instructions if text not in self._goals})
        if new:
            with torch_threads(self.threads):
                for text, embedding in zip(new, self.embedder.texts(new)):
                    self._goals[text] = embedding
        return torch.stack([self._goals[text] for text in instructions])

    @property
    def goal_width(self) -> int:
        return int(self.embedder.model.config.projection_dim)

    @property
    def latent_width(self) -> int:
        return (1 + POOLED * POOLED) * self.goal_width
