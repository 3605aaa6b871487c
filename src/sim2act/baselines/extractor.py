"""``FiLMExtractor``: the stable-baselines3 features extractor of the RL-from-scratch baselines.

It follows the BabyAI paper's RL baseline (Chevalier-Boisvert et al., 2019; the pixel variant of
BabyAI 1.1): a convolution whose kernel and stride are one grid cell turns the camera image into a
grid of cell features (``cell_pixels``, the domain's token size from ``Domain.vision``: 7×7 cells of
8 pixels on the grid), one more convolution mixes
neighbouring cells, and residual FiLM blocks condition those features on the instruction, which a
word embedding and a GRU read. The features are max-pooled over space, joined with the
proprioception and projected to ``features_dim``. It has no memory: stable-baselines3's PPO and
SAC are feed-forward (BabyAI's own baseline adds an LSTM).

``cell_stem="factored"`` swaps the cell convolution for the factored stem of sim2act's own policy
(a colour plus a form embedding per cell, ``sim2act.models.factored_vision``), so that RL can be
compared with Sim2Act on the same cell features.

Widths are cut from BabyAI's 128 (32 channels, a 64-unit GRU) so that PPO stays fast on a CPU: at
64 channels the FiLM convolutions alone made PPO's updates three times slower.
"""

from __future__ import annotations

import torch
from gymnasium import spaces
from stable_baselines3.common.preprocessing import is_image_space_channels_first
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn

from sim2act.baselines.task_env import IMAGE, INSTRUCTION_IDS, PROPRIO
from sim2act.errors import Sim2ActError
from sim2act.models.factored_vision import FactoredVisionEncoder

CELL_STEMS = ("conv", "factored")


def check_cell_stem(name: str) -> None:
    """A one-line ``Sim2ActError`` for a cell stem ``FiLMExtractor`` does not have."""
    if name not in CELL_STEMS:
        raise Sim2ActError(f"unknown cell stem {name!r}; known: {', '.join(CELL_STEMS)}")


class FiLMBlock(nn.Module):
    """``x + relu((1 + γ(instr)) · conv(x) + β(instr))``: a residual block conditioned on the instruction."""

    def __init__(self, channels: int, instruction_dim: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.film = nn.Linear(instruction_dim, 2 * channels)

    def forward(self, x: torch.Tensor, instruction: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.film(instruction)[:, :, None, None].chunk(2, dim=1)
        return x + torch.relu((1 + gamma) * self.conv(x) + beta)


class FiLMExtractor(BaseFeaturesExtractor):
    """Image CNN conditioned on the instruction by FiLM, plus proprioception, for ``TaskEnv`` observations."""

    def __init__(
        self,
        observation_space: spaces.Dict,
        features_dim: int = 128,
        channels: int = 32,
        cell_pixels: int = 8,
        film_blocks: int = 2,
        word_dim: int = 32,
        instruction_dim: int = 64,
        cell_stem: str = "conv",
    ) -> None:
        super().__init__(observation_space, features_dim)
        image = observation_space[IMAGE]
        self._channels_first = is_image_space_channels_first(image)
        in_channels = image.shape[0] if self._channels_first else image.shape[-1]
        vocab_size = int(observation_space[INSTRUCTION_IDS].high.max()) + 1
        self._proprio_dim = observation_space[PROPRIO].shape[0] if PROPRIO in observation_space.spaces else 0

        check_cell_stem(cell_stem)
        if cell_stem == "factored":
            height, width = image.shape[1:] if self._channels_first else image.shape[:2]
            self.factored = FactoredVisionEncoder((height, width, in_channels), memory=1, d_model=channels, cell=cell_pixels)
            first = nn.Identity()
        else:
            self.factored = None
            first = nn.Conv2d(in_channels, channels, cell_pixels, stride=cell_pixels)
        self.cells = nn.Sequential(first, nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU())
        self.words = nn.Embedding(vocab_size, word_dim, padding_idx=0)
        self.gru = nn.GRU(word_dim, instruction_dim, batch_first=True)
        self.film = nn.ModuleList(FiLMBlock(channels, instruction_dim) for _ in range(film_blocks))
        self.head = nn.Sequential(nn.Linear(channels + self._proprio_dim, features_dim), nn.ReLU())

    def encode_instruction(self, ids: torch.Tensor) -> torch.Tensor:
        """The GRU's state after each instruction's last word, ``(B, instruction_dim)``."""
        ids = ids.long()  # stable-baselines3 hands Box entries over as floats
        lengths = (ids != 0).sum(1).clamp(min=1)
        ids = ids[:, : int(lengths.max())]  # padding only costs time: the GRU reads left to right
        states, _ = self.gru(self.words(ids))
        return states[torch.arange(len(ids), device=ids.device), lengths - 1]

    def _factored_cells(self, image: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) images scaled to [0, 1] by stable-baselines3 → (B, channels, rows, cols) cell features."""
        frames = self.factored.prepare_frames(image.permute(0, 2, 3, 1).mul(255.0))
        tokens, _ = self.factored(frames.unsqueeze(1))
        rows, cols = self.factored.grid
        return tokens.transpose(1, 2).reshape(len(image), -1, rows, cols)

    def forward(self, observations: dict[str, torch.Tensor]) -> torch.Tensor:
        image = observations[IMAGE]
        if not self._channels_first:
            image = image.permute(0, 3, 1, 2)
        instruction = self.encode_instruction(observations[INSTRUCTION_IDS])
        x = self.cells(image if self.factored is None else self._factored_cells(image))
        for block in self.film:
            x = block(x, instruction)
        pooled = x.amax(dim=(2, 3))
        if self._proprio_dim:
            pooled = torch.cat([pooled, observations[PROPRIO].float()], dim=1)
        return self.head(pooled)
