"""Cell scores from the instruction's words: a word's place in the sentence chooses it, its content meets the pixels.

For "put the green block in the blue bowl", the pick stream must find the green *block* although
training never named one (a held-out composition), while the place stream has learned what green
pixels look like from green bowls. Both streams share one grounding space: each word's content
vector (its embedding *without* position) and each cell's visual feature project into it, and a
cell's score is their dot product. The streams differ only in which words they read: each stream
has learned queries that attend over keys made from each word's neighbours, so "the colour word of
the first noun phrase" is chosen by where it stands, and what it says (green) is matched to the cell
by a map that every stream and every colour trains. A per-head split lets heads read different words.

A word's role is read from its neighbours, never from the word itself: keys built from the word (plus
its position) let "green" in the block's slot, a place green never stood in training, draw the attention
elsewhere (tabletop put-in-bowl: the pick stream read "block" instead), while "the _ block in" names the
slot whatever fills it.

On tabletop put-in-bowl (expert BC, 5,000 demonstrations, 2,000 steps), the head's learned cell queries
alone reach 90% on unseen layouts but 11% on held-out (colour, object) pairs. README, "Tabletop", has the
figures with this grounding.
"""

from __future__ import annotations

import math

import torch
from torch import nn

CONTEXT = 2
"""Words on each side that tell a word's role: "the _ block in" is the picked colour, "the _ bowl" the target's."""


class WordGrounding(nn.Module):
    """Per-stream cell scores (B, streams, N) from word contents (B, L, d), their mask and cell features (B, N, c)."""

    def __init__(self, d_model: int, streams: int, heads: int = 4, width: int = 128, cell_width: int | None = None) -> None:
        super().__init__()
        if width % heads:
            raise ValueError(f"grounding width {width} is not a multiple of {heads} heads")
        self.streams, self.heads, self.head_width = streams, heads, width // heads
        self.queries = nn.Parameter(torch.zeros(streams * heads, d_model))
        nn.init.trunc_normal_(self.queries, std=0.02)
        self.key = nn.Linear(2 * CONTEXT * d_model, d_model)
        self.outside = nn.Parameter(torch.zeros(d_model))  # what a neighbour beyond the sentence's ends reads as
        nn.init.trunc_normal_(self.outside, std=0.02)
        self.content = nn.Linear(d_model, width)
        self.cell = nn.Linear(cell_width or d_model, width)

    def forward(self, contents: torch.Tensor, mask: torch.Tensor, cells: torch.Tensor) -> torch.Tensor:
        b, length, d = contents.shape
        logits = self.key(self.neighbours(contents, mask)) @ self.queries.T / math.sqrt(d)  # (B, L, S·H)
        logits = logits.masked_fill(~mask.unsqueeze(-1), float("-inf"))
        chosen = logits.softmax(1).transpose(1, 2)  # (B, S·H, L): which words each stream's head reads
        content = self.content(contents).view(b, length, self.heads, self.head_width)
        read = torch.einsum("bshl,blhw->bshw", chosen.view(b, self.streams, self.heads, length), content)
        cells = self.cell(cells).view(b, cells.shape[1], self.heads, self.head_width)
        return torch.einsum("bshw,bnhw->bsn", read, cells) / math.sqrt(self.head_width)

    def neighbours(self, contents: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Each word's ``CONTEXT`` neighbours on either side, concatenated (B, L, 2·CONTEXT·d); never the word itself."""
        b, length, d = contents.shape
        padded = torch.where(mask.unsqueeze(-1), contents, self.outside)
        edge = self.outside.expand(b, CONTEXT, d)
        padded = torch.cat([edge, padded, edge], 1)
        offsets = [o for o in range(-CONTEXT, CONTEXT + 1) if o]
        return torch.cat([padded[:, CONTEXT + o : CONTEXT + o + length] for o in offsets], -1)
