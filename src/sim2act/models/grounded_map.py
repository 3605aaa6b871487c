"""The grounded map: the instruction's attribute scored on each patch's colour part, its kind on the form part.

In 3D navigation the policy that goes to the wrong object a third of the time has grounded "the blue box" as a
whole: the view read-out of h_c finds trained pairs in the frame (81% of in-view frames) far better than held-out
ones (63%), and asking h_c also for the columns of the colour and of the kind (``view_parts``) did not carry over,
because nothing in h_c keeps the two apart. Here the structure does. The ``chroma`` and ``factored`` stems already
build a patch's token as a colour embedding plus a form embedding (colour_form.py); the map reads the two halves
separately:

    attribute(p) = ⟨the attribute word's content, the colour embedding of patch p⟩
    kind(p)      = ⟨the kind word's content, the (3×3-widened) form embedding of patch p⟩
    named(p)     = log σ(attribute(p)) + log σ(kind(p))

Which word is the attribute and which the kind is read from its neighbours (``WordGrounding``), so "blue" in a
slot where it never stood beside "box" still counts. A held-out pair is then found where two groundings learned on
seen pairs meet. The simulator's annotations (``object_view`` with parts: the named object's column, and the
columns where anything of its attribute and anything of its kind is seen) supervise the map; the action head reads
the map's column profile, added to h_c. The annotations are labels, never inputs: at act time the map comes from
the camera frame and the instruction only.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from sim2act.envs.registry import get_domain
from sim2act.errors import Sim2ActError
from sim2act.models.attention import MLP
from sim2act.models.colour_form import ColourFormEncoder
from sim2act.models.object_view import NO_TARGET
from sim2act.models.word_grounding import WordGrounding


@dataclass
class MapScores:
    """Per-patch logits, each (B, rows, cols): the attribute, the kind, and both (log-probabilities summed)."""

    attribute: torch.Tensor
    kind: torch.Tensor
    named: torch.Tensor


def column_bins(columns: int, bins: int) -> torch.Tensor:
    """(columns, bins) True where patch column c and annotation bin j overlap (both cut the width evenly)."""
    c = torch.arange(columns)[:, None]
    j = torch.arange(bins)[None, :]
    return (c * bins < (j + 1) * columns) & (j * columns < (c + 1) * bins)


class GroundedMap(nn.Module):
    """Scores of the instruction's attribute and kind on a ``grid`` of colour and form embeddings, their column
    profile as an addition to h_c, and the loss against the view annotations' ``bins`` columns."""

    def __init__(self, d_model: int, grid: tuple[int, int], bins: int, heads: int = 4, width: int = 64) -> None:
        super().__init__()
        self.grid, self.bins = grid, bins
        self.attribute = WordGrounding(d_model, 1, heads, width)
        self.kind = WordGrounding(d_model, 1, heads, width)
        self.widen = nn.Conv2d(d_model, d_model, 3, padding=1)  # a kind's outline spans neighbouring patches
        self.absent = nn.Parameter(torch.zeros(()))
        """The "named object out of view" logit beside each bin's best patch."""
        self.register_buffer("overlap", column_bins(grid[1], bins), persistent=False)
        self.features = MLP(3 * grid[1], d_model, d_model)

    def forward(self, contents: torch.Tensor, mask: torch.Tensor, colour: torch.Tensor, form: torch.Tensor) -> tuple[torch.Tensor, MapScores]:
        """Word contents (B, L, d) and mask, the stem's colour and form embeddings (B, cells, d) → what the map
        adds to h_c (B, d), and its scores."""
        b, _, d = form.shape
        rows, cols = self.grid
        grid_form = form.transpose(1, 2).reshape(b, d, rows, cols)
        form = form + self.widen(grid_form).flatten(2).transpose(1, 2)
        attribute = self.attribute(contents, mask, colour)[:, 0].view(b, rows, cols)
        kind = self.kind(contents, mask, form)[:, 0].view(b, rows, cols)
        named = F.logsigmoid(attribute) + F.logsigmoid(kind)
        profile = torch.cat([named.amax(1), attribute.amax(1), kind.amax(1)], -1)
        return self.features(profile), MapScores(attribute, kind, named)

    def binned(self, scores: torch.Tensor) -> torch.Tensor:
        """Per-patch scores (B, rows, cols) → the best patch of each annotation bin (B, bins)."""
        columns = scores.amax(1)[:, :, None].expand(-1, -1, self.bins)
        return columns.masked_fill(~self.overlap, float("-inf")).amax(1)

    def loss(self, scores: MapScores, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Against ``object_view`` targets with parts (B, 1 + 2 × bins): cross-entropy of the named object's bin (or
        out of view) and binary cross-entropy of where its attribute and its kind are seen; and the share of rows whose
        bin the map ranks first. Rows with ``NO_TARGET`` are skipped."""
        rows = targets[:, 0] != NO_TARGET
        if not bool(rows.any()):
            zero = scores.named.sum() * 0.0
            return zero, zero.detach()
        wanted = targets[rows]
        named = self.binned(scores.named[rows])
        logits = torch.cat([self.absent.expand(named.shape[0], 1), named], -1)
        accuracy = (logits.detach().argmax(-1) == wanted[:, 0]).float().mean()
        parts = torch.cat([self.binned(scores.attribute[rows]), self.binned(scores.kind[rows])], -1)
        loss = F.cross_entropy(logits, wanted[:, 0]) + F.binary_cross_entropy_with_logits(parts, wanted[:, 1:].float())
        return loss, accuracy


def grounded_map(domain: str, d_model: int, view_map: bool, vision: nn.Module, heads: int = 4) -> GroundedMap | None:
    """The grounded map of a policy for ``domain`` whose stem is ``vision``; None without ``view_map``."""
    if not view_map:
        return None
    views = get_domain(domain).object_views
    if views is None:
        raise Sim2ActError(f"view_map needs a domain whose envs annotate where objects are in view; {domain} does not")
    if not isinstance(vision, ColourFormEncoder):
        raise Sim2ActError("view_map reads the colour and form embeddings of the chroma or factored stem; this policy has neither")
    return GroundedMap(d_model, vision.grid, views.bins, heads)
