"""A Box action head for end-effector control that first decides where, then learns to move there.

The ``independent`` and ``keypoints`` Box heads must find where the named block lies from the action loss
alone; trained on 500 expert ``pick`` demonstrations they do not (2–3% success; the first lateral move's sign
is right half the time, chance: README, "Tabletop"). This head splits the decision as Transporter and CLIPort
do, and keeps the motion learned:

- **where**: the ``pick_place`` head's grounded cell scores (pick_place_head.py: the instruction's words matched
  against each workspace cell's features, place given pick), trained on hindsight labels of each episode's own
  grasp and release cells on the steps before each (``CellMotions.grasp_cells``, read from the logged proprio and
  actions: no simulator state), with teacher forcing where labelled and the head's own choice elsewhere;
- **how**: a phase read from the latest proprio (going to pick, carrying, done; trained on the same labels: a
  row is "going to pick" while a grasp is still to come), then an MLP from the offset of the phase's cell to the
  end effector (the cells' centres in proprio's frame, ``CellMotions.cell_positions``: the robot's hand–eye
  calibration), the phase and the latest proprio (gripper opening, height, joints) to the binned softmax of
  every action dimension, trained with HL-Gauss targets (``log_prob``).

What the MLP is not given, and why (put-in-bowl, π0's 267 round-0 episodes; README, "Tabletop"): the
instruction (which block is the cell head's job); anything that shows the last few steps, i.e. the proprio
window or image features at the cells (the stem stacks the window's frames, so they show the arm moving),
from which it learned to repeat the last move (in 10-Hz servoing the next delta is nearly always the last),
overshot the cell and descended beside it, the "copycat" problem of behaviour cloning with history (0–1%
success); and both cells' offsets at once, which left it to work out which one counts and fitted the moves
near a cell, the few rows where a servo's step is proportional, worse (0% against 16% with the phase).

At act time the cells are the most likely pick and the most likely place given it, chosen afresh each step.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from sim2act.models.attention import MLP
from sim2act.models.binned_head import BinnedHead
from sim2act.models.pick_place_head import PickPlaceHead
from sim2act.models.small_encoders import FineGrid

PHASES = 3
"""Going to pick, carrying to the place, done: the servo moves toward the pick cell in the first, the place cell after."""
SMOOTHING = 0.75
"""σ of the Gaussian the training targets are spread over the bins by, in bin widths (HL-Gauss)."""
NEAR = (1.0, 0.5, 0.2)
"""Offsets also enter clamped to ±1 at these shares of the cell spacing: a servo's delta saturates far away and is
proportional near its goal, and an MLP fitted the raw offset alone too coarsely near the goal (it overshot)."""


class CellServoHead(BinnedHead):
    """``BinnedHead`` whose logits come from grounded pick and place cells and the end effector's offsets to them."""

    reads_words = True
    """The policy passes the instruction's words, the fine map and the raw proprio (``VisionLanguagePolicy.forward``)."""
    reads_cells = True
    """Training passes each row's hindsight (pick, place) cells (``training.batches``)."""
    pixel_aligned = True
    """It grounds cells at fixed pixels of the frame (``training.shift`` refuses it)."""

    def __init__(
        self, d_model: int, low: list[float], high: list[float], bins: int, heads: int, dropout: float,
        cell_pixels: list[tuple[float, float]], cell_positions: list[tuple[float, float]],
        proprio_size: int, token_grid: tuple[int, int], fine_grid: FineGrid | None = None,
    ) -> None:
        super().__init__(d_model, low, high, bins)
        if len(cell_positions) != len(cell_pixels):
            raise ValueError(f"{len(cell_positions)} cell positions for {len(cell_pixels)} cell pixels")
        self.n = len(cell_pixels)
        self.cells = PickPlaceHead(d_model, self.n, heads, dropout, cell_pixels, token_grid, fine_grid)
        self.reads_fine_grid = self.cells.reads_fine_grid
        positions = torch.tensor(cell_positions, dtype=torch.float32)
        self.register_buffer("positions", positions, persistent=False)
        gaps = torch.cdist(positions, positions) + torch.eye(self.n) * 1e9
        self.spacing = float(gaps.min(1).values.median())
        self._cell_loss: torch.Tensor | None = None
        self.phase = MLP(proprio_size, d_model, PHASES)
        self._phase_loss: torch.Tensor | None = None
        self.linear = MLP(2 * (1 + len(NEAR)) + PHASES + proprio_size, 2 * d_model, len(self.low) * bins)

    def forward(
        self, context: torch.Tensor, tokens: torch.Tensor, words: tuple[torch.Tensor, torch.Tensor],
        fine: torch.Tensor | None, proprio: torch.Tensor, body: torch.Tensor, cells: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """h_c (B, d), the visual tokens, the words, the fine map, the latest proprio raw (B, P) and as the policy
        normalises it (``body``) and, in training, the hindsight (pick, place) cells (B, 2) (-1: unknown) → binned
        logits (B, D, bins)."""
        b = context.shape[0]
        log_joint = self.cells(context, tokens, words, fine).view(b, self.n, self.n)
        pick, place = self._chosen_cells(log_joint, cells)
        phase_logits = self.phase(body)
        if cells is None:
            self._phase_loss = None
            phase = phase_logits.argmax(-1)
        else:  # the labels say which: a pick still to come, a place still to come, or neither
            phase = torch.where(cells[:, 0] >= 0, 0, torch.where(cells[:, 1] >= 0, 1, 2)).long()
            self._phase_loss = F.cross_entropy(phase_logits, phase)
        target = torch.where(phase == 0, pick, place)
        features = [self._offset(self.positions[target] - proprio[:, :2]), F.one_hot(phase, PHASES).to(body.dtype), body]
        return self.linear(torch.cat(features, -1)).view(b, len(self.low), self.bins)

    def log_prob(self, logits: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """In training, Σ_k q_k log p_k with q the logged action's HL-Gauss target (a Gaussian of σ = ``SMOOTHING`` bin
        widths integrated over each bin; Farebrother et al., "Stop Regressing", 2024); else log p of its bin.

        A servo's deltas are proportional near its goal, and those rows are few: with one-hot targets the MLP
        learned a bang-bang control (any offset → the largest step) and oscillated around the cell. Smoothed
        targets let neighbouring bins share what a row teaches, as a regression would.
        """
        if not self.training:
            return super().log_prob(logits, actions)
        value = self._unit(actions) * self.bins  # in bin widths from low
        edges = torch.arange(self.bins + 1, device=logits.device, dtype=value.dtype)
        cdf = torch.special.ndtr((edges - value.unsqueeze(-1)) / SMOOTHING)  # (B, D, bins + 1)
        target = cdf[..., 1:] - cdf[..., :-1]
        target = target / target.sum(-1, keepdim=True).clamp_min(1e-8)
        return (target * F.log_softmax(logits, -1)).sum((-1, -2))

    def _offset(self, delta: torch.Tensor) -> torch.Tensor:
        scaled = delta / self.spacing
        return torch.cat([scaled, *((scaled / near).clamp(-1.0, 1.0) for near in NEAR)], -1)

    def _chosen_cells(self, log_joint: torch.Tensor, cells: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """The labelled cells where known (and the cell loss on them), else the head's most likely ones."""
        log_pick = log_joint.logsumexp(-1)
        best_pick = log_pick.argmax(-1)
        if cells is None:
            self._cell_loss = None
            pick = best_pick
            return pick, log_joint[torch.arange(len(pick)), pick].argmax(-1)
        cells = cells.long()
        has_pick, has_place = cells[:, 0] >= 0, cells[:, 1] >= 0
        pick = torch.where(has_pick, cells[:, 0], best_pick)
        rows = torch.arange(len(pick), device=pick.device)
        place = torch.where(has_place, cells[:, 1], log_joint[rows, pick].argmax(-1).detach())
        losses = []
        if has_pick.any():
            losses.append(-log_pick[rows, pick][has_pick].mean())
            form = self.cells._form
            if form is not None:  # the colour-blind form prior also learns where grasps happen (pick_place_head.py)
                losses.append(F.cross_entropy(form[has_pick], pick[has_pick]))
        if has_place.any():  # log p(place | pick), given the labelled pick or, once it is done, the likeliest
            log_place = log_joint[rows, pick] - log_pick[rows, pick].unsqueeze(-1)
            losses.append(-log_place[rows, place][has_place].mean())
        self._cell_loss = sum(losses) if losses else log_joint.new_zeros(())
        return pick, place

    def auxiliary_loss(self, actions: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the hindsight cells under the cell scores, from the last training forward."""
        if self._cell_loss is None or self._phase_loss is None:
            return torch.zeros((), device=actions.device)
        return self._cell_loss + self._phase_loss
