"""π0's cell scores as a stream of the policy: CLIPort's frozen semantic stream, with π0 as the CLIP.

The ``pick_place`` head grounds an instruction's words in the cells with word embeddings it learns
from its own training instructions (word_grounding.py). A colour that no training instruction names
(CLIPort's unseen colours: "orange", "pink") keeps the embedding it was initialised with, and the head
scores cells by noise. π0 may have read such words: with ``caption_colors = all`` its captions name
every block in view, distractors included. This stream scores each cell with the frozen π0 exactly as π0
proposes (``proposers.cell_prior``),

    s_d(c | o, ℓ) = cos(E_v(o)[pixel(c)], E_ℓ(phrase_d(ℓ))) / T_π0,

for the phrase of each action dimension d (``Grammar.action_phrases``: "the red block" to pick, "the blue
bowl" to place; 0 for a dimension with no phrase), and the head adds s_d, times a learned weight per
dimension, to its own cell logits. Words the policy never read in training carry no content into its
own grounding (``read_words``), so π0 alone speaks for them; ``word_dropout`` in training hides words of
some instructions to teach the head that situation.

Where the stream speaks is ``PolicyConfig.prior_stream_rows``: on every row (``all``), or only on rows
whose instruction has a word the head cannot read (``unread``: never read in training, or hidden by the
dropout). Always on, the head learns to lean on π0, whose choices are round 0's data: on tabletop
put-in-bowl's held-out (colour, object) pairs the policy fell from 86% to 63% (n = 100, README).

π0's weights are frozen and saved with the policy (a checkpoint stays self-contained). The scores of a
dataset's rows are computed once before training (``TrainingSteps``); acting computes them per step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from sim2act.models.clip_embedder import ClipEmbedder


class PriorStream(nn.Module):
    """Frozen π0 scoring cells (``cell_pixels``: x, y fractions of the first camera's image) against each action
    dimension's phrase of an instruction (``action_phrases``: instruction → one phrase or None per dimension)."""

    def __init__(
        self, embedder: ClipEmbedder, cell_pixels: Sequence[tuple[float, float]],
        action_phrases: Callable[[str], tuple[str | None, ...]], dims: int,
    ) -> None:
        super().__init__()
        self.embedder = embedder.requires_grad_(False).eval()
        self.action_phrases, self.dims = action_phrases, dims
        self.register_buffer("points", torch.tensor(cell_pixels, dtype=torch.float32), persistent=False)
        self._phrases: dict[str, torch.Tensor] = {}

    def train(self, mode: bool = True) -> PriorStream:
        """π0 stays in eval mode: it is frozen, and its scores must not depend on the policy's mode."""
        super().train(mode)
        self.embedder.eval()
        return self

    @torch.no_grad()
    def scores(self, frames: torch.Tensor, instructions: Sequence[str]) -> torch.Tensor:
        """(B, H, W, 3) uint8 frames of the first camera and each row's instruction → s (B, dims, cells)."""
        grid = self.embedder.patch_grid(frames)
        patches = self.embedder.at_points(grid, self.points.expand(len(frames), -1, -1))  # (B, N, e)
        phrases, named = self._phrase_embeddings(instructions)  # (B, D, e), (B, D)
        cosines = phrases @ patches.transpose(1, 2)  # (B, D, N)
        return cosines * named.unsqueeze(-1) * self.embedder.logit_scale

    def _phrase_embeddings(self, instructions: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        rows = [list(self.action_phrases(text))[: self.dims] for text in instructions]
        rows = [row + [None] * (self.dims - len(row)) for row in rows]
        new = sorted({p for row in rows for p in row if p is not None and p not in self._phrases})
        if new:
            self._phrases.update(zip(new, self.embedder.texts(new)))
        width = self.embedder.model.config.projection_dim
        zero = torch.zeros(width)
        embeddings = torch.stack([torch.stack([self._phrases[p] if p else zero for p in row]) for row in rows])
        named = torch.tensor([[p is not None for p in row] for row in rows], dtype=embeddings.dtype)
        return embeddings, named


def read_words(trained: torch.Tensor, ids: torch.Tensor) -> None:
    """Mark the token ``ids`` as read in training in the boolean vocabulary mask ``trained``, in place."""
    trained[ids.flatten().unique()] = True


def drop_words(
    contents: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor, trained: torch.Tensor, dropout: float, training: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """What the head's own grounding may see of the instructions' words (U, L, d): not the words never read in
    training and, while ``training``, in a ``dropout`` share of the instructions each word with probability ½
    (the situation of a word never read, taught). Also which instructions lost a word (U,)."""
    keep = trained[ids]
    if dropout and training:
        chosen = torch.rand(ids.shape[0], 1, device=ids.device) < dropout
        keep = keep & ~(chosen & (torch.rand(ids.shape, device=ids.device) < 0.5))
    return contents * keep.unsqueeze(-1).to(contents.dtype), (mask & ~keep).any(1)
