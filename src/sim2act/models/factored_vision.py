"""The ``factored`` vision stem: each cell's token is a colour embedding plus a form embedding.

Why: held-out colour–object pairs ("blue ball" when training only ever went to blue keys and red
balls) fail with an entangled patch stem, because nothing forces the token of a blue ball to share
anything with the tokens the words "blue" and "ball" were grounded on. Here a cell's token is

    token = f_colour(what colours the cell holds) + f_form(its shape, whatever its colour) + position

so a blue ball's token is exactly a blue key's token minus the key's form plus the ball's form, and
attention logits against it split into a colour term and a form term that were each learned on
seen pairs.

- colour: the hue of the cell's brightest pixel over its darkest (the background), scaled so its
  largest channel is 1, whatever share of the pixel the object covers; plus the background's colour;
- form: the cell's per-pixel brightness (maximum over channels), min–max normalised within the cell.
  A pixel blended between an object and the floor keeps its blend fraction after the normalisation,
  so a red ball and a blue ball give the same map.

Both read a cell's interior: MiniGrid draws its grid lines on each cell's first pixel row and column,
and with them an empty floor cell would look like a faint grey object.
"""

from __future__ import annotations

import torch

from sim2act.models.colour_form import ColourFormEncoder

MIN_CONTRAST = 8.0
"""Contrasts below this many levels (a uniform wall) give a proportionally faint hue instead of amplified noise."""


class FactoredVisionEncoder(ColourFormEncoder):
    """Cells of ``cell``×``cell`` pixels (a domain's grid cell) → tokens that add a colour and a form embedding."""

    pixel_aligned = True
    """Its tokens are the domain's cells at fixed pixels (``training.shift`` refuses it)."""

    def __init__(self, image_shape: tuple[int, int, int], memory: int, d_model: int, cell: int = 8, width: int = 64) -> None:
        height, width_px, channels = image_shape
        form_size = (cell - 1) ** 2
        super().__init__((height // cell, width_px // cell), 2 * channels * memory, form_size * memory, d_model, width)
        self.cell = cell
        self.form_size = form_size

    def prepare_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """Raw frames (N, H, W, C) uint8 → per-cell colour and form features (N, cells, 2C + (cell-1)²) uint8."""
        n, _, _, c = frames.shape
        gh, gw = self.grid
        p = self.cell
        cells = frames[:, : gh * p, : gw * p].reshape(n, gh, p, gw, p, c)
        # MiniGrid draws its grid lines on each cell's first row and column: the interior is the cell.
        cells = cells.permute(0, 1, 3, 2, 4, 5)[:, :, :, 1:, 1:].reshape(n, gh * gw, self.form_size, c).float()
        brightness = cells.amax(dim=3)
        low, darkest = brightness.min(dim=2, keepdim=True)
        high, brightest = brightness.max(dim=2, keepdim=True)
        background = cells.gather(2, darkest[..., None].expand(-1, -1, -1, c)).squeeze(2)
        contrast = cells.gather(2, brightest[..., None].expand(-1, -1, -1, c)).squeeze(2) - background
        # The brightest pixel's colour over the background, scaled to its largest channel: an object's
        # hue whatever share of the pixel it covers (anti-aliased balls never fill one).
        hue = contrast.clamp_min(0) / contrast.amax(dim=2, keepdim=True).clamp_min(MIN_CONTRAST)
        form = (brightness - low) / (high - low).clamp_min(1.0)
        return torch.cat([hue, background / 255.0, form], dim=2).mul(255).round().to(torch.uint8)

    def forward(self, frames: torch.Tensor, parts: bool = False) -> tuple[torch.Tensor, ...]:
        """Prepared frames (B, k, cells, 2C + (cell-1)²) uint8 → tokens (B, cells, d) and pooled (B, d) (and with
        ``parts`` the colour and form features: ``ColourFormEncoder.tokens``)."""
        b, _, cells, _ = frames.shape
        x = frames.transpose(1, 2).float().mul_(1.0 / 255.0)
        colour = x[..., : -self.form_size].reshape(b, cells, -1)
        form = x[..., -self.form_size :].reshape(b, cells, -1)
        return self.tokens(colour, form, parts)

