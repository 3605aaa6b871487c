"""Tokens that add a colour embedding and a form embedding: the base of the ``factored`` and ``chroma`` stems."""

from __future__ import annotations

import torch
from torch import nn


class ColourFormEncoder(nn.Module):
    """``token = f_colour(colour features) + f_form(form features) + position``, one token per cell of ``grid``.

    A subclass says what the features are (``prepare_frames``, ``forward``); attention logits against a token
    then split into a colour term and a form term, each learned on the pairs seen in training.
    """

    def __init__(self, grid: tuple[int, int], colour_size: int, form_size: int, d_model: int, width: int) -> None:
        super().__init__()
        self.grid, self.feature_sizes = grid, (colour_size, form_size)
        self.colour = nn.Sequential(nn.Linear(colour_size, width), nn.GELU(), nn.Linear(width, d_model))
        self.form = nn.Sequential(nn.Linear(form_size, width), nn.GELU(), nn.Linear(width, d_model))
        self.position = nn.Parameter(torch.zeros(1, grid[0] * grid[1], d_model))
        nn.init.trunc_normal_(self.position, std=0.02)

    def freeze_backbone(self) -> None:
        """Freeze the whole encoder."""
        self.requires_grad_(False)

    def tokens(self, colour: torch.Tensor, form: torch.Tensor, parts: bool = False) -> tuple[torch.Tensor, ...]:
        """Colour (B, cells, colour_size) and form (B, cells, form_size) features → tokens (B, cells, d), pooled (B, d),
        and with ``parts`` those two features themselves (grounded_map.py reads them apart)."""
        tokens = self.colour(colour) + self.form(form) + self.position
        return (tokens, tokens.mean(dim=1), (colour, form)) if parts else (tokens, tokens.mean(dim=1))
