"""The grounded map: the instruction's attribute scored on each patch's colour part, its kind on the form part.

In 3D navigation the policy that goes to the wrong object a third of the time has grounded "the blue box" as a
whole: the view read-out of h_c finds trained pairs in the frame (81% of in-view frames) far better than held-out
ones (63%), and asking h_c also for the columns of the colour and of the kind (``view_parts``) did not carry over,
because nothing in h_c keeps the two apart. Here the structure does. The ``chroma`` and ``factored`` stems compute
a patch's colour features (a hue histogram) apart from its form features (colour-blind brightness and depth;
colour_form.py); the map embeds each on its own and never mixes them:

    attribute(p) = ⟨the words read as the attribute, g_colour(colour features of patch p)⟩
    kind(p)      = ⟨the words read as the kind, g_form(form features of patch p, widened 3×3)⟩
    named(p)     = log σ(attribute(p)) + log σ(kind(p))

Which words each stream reads is chosen by the words' content: "blue" is an attribute wherever it stands, so a
slot where it never stood beside "box" does not matter. A held-out pair is then found where two groundings learned on
seen pairs meet. The simulator's annotations (``object_view`` with parts: the named object's column, and the
columns where anything of its attribute and anything of its kind is seen) supervise the map; the action head reads
the map's column profile, added to h_c. The annotations are labels, never inputs: at act time the map comes from
the camera frame and the instruction only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from sim2act.envs.registry import get_domain
from sim2act.errors import Sim2ActError
from sim2act.models.attention import MLP
from sim2act.models.colour_form import ColourFormEncoder
from sim2act.models.object_view import NO_TARGET


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


class WordReader(nn.Module):
    """Which words a stream reads, chosen by their content ("blue" is an attribute wherever it stands), per head,
    and their projection to the stream's grounding space: (B, L, d) word contents → (B, heads, width / heads)."""

    def __init__(self, d_model: int, heads: int, width: int) -> None:
        super().__init__()
        self.heads = heads
        self.select = nn.Linear(d_model, heads)
        self.value = nn.Linear(d_model, width)

    def forward(self, contents: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, length, _ = contents.shape
        weights = self.select(contents).masked_fill(~mask.unsqueeze(-1), float("-inf")).softmax(1)  # (B, L, heads)
        values = self.value(contents).view(b, length, self.heads, -1)
        return torch.einsum("blh,blhw->bhw", weights, values)


class GroundedMap(nn.Module):
    """Scores of the instruction's attribute and kind on a ``grid`` of the stem's colour and form features (sizes
    ``feature_sizes``), their column profile as an addition to h_c, and the loss against the view annotations'
    ``bins`` columns."""

    def __init__(self, d_model: int, grid: tuple[int, int], feature_sizes: tuple[int, int], bins: int, heads: int = 4,
                 width: int = 64) -> None:
        super().__init__()
        if width % heads:
            raise ValueError(f"grounding width {width} is not a multiple of {heads} heads")
        self.grid, self.bins, self.heads = grid, bins, heads
        self.attribute_words, self.kind_words = WordReader(d_model, heads, width), WordReader(d_model, heads, width)
        colour_size, form_size = feature_sizes
        self.colour = MLP(colour_size, width, width)
        self.form = MLP(form_size, width, width)
        self.widen = nn.Conv2d(width, width, 3, padding=1)  # a kind's outline spans neighbouring patches
        self.absent = nn.Parameter(torch.zeros(()))
        """The "named object out of view" logit beside each bin's best patch."""
        self.register_buffer("overlap", column_bins(grid[1], bins), persistent=False)
        self.features = MLP(3 * grid[1], d_model, d_model)

    def forward(self, contents: torch.Tensor, mask: torch.Tensor, colour: torch.Tensor, form: torch.Tensor) -> tuple[torch.Tensor, MapScores]:
        """Word contents (B, L, d) and mask, the stem's colour and form features (B, cells, ·) → what the map adds to
        h_c (B, d), and its scores."""
        b = form.shape[0]
        rows, cols = self.grid
        form = self.form(form)
        form = form + self.widen(form.transpose(1, 2).reshape(b, -1, rows, cols)).flatten(2).transpose(1, 2)
        attribute = self.score(self.attribute_words(contents, mask), self.colour(colour)).view(b, rows, cols)
        kind = self.score(self.kind_words(contents, mask), form).view(b, rows, cols)
        named = F.logsigmoid(attribute) + F.logsigmoid(kind)
        profile = torch.cat([named.amax(1), attribute.amax(1), kind.amax(1)], -1)
        return self.features(profile), MapScores(attribute, kind, named)

    def score(self, read: torch.Tensor, cells: torch.Tensor) -> torch.Tensor:
        """A stream's read words (B, heads, w) against cell features (B, N, heads·w) → (B, N), summed over heads."""
        b, n, _ = cells.shape
        return torch.einsum("bhw,bnhw->bn", read, cells.view(b, n, self.heads, -1)) / math.sqrt(read.shape[-1])

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
        raise Sim2ActError("view_map reads the colour and form features of a chroma, chroma-cnn or factored stem; this policy has neither")
    return GroundedMap(d_model, vision.grid, vision.feature_sizes, views.bins, heads)
