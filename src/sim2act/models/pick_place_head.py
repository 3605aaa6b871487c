"""The spatial pick-then-place head for MultiDiscrete([N, N]) cell actions (Transporter / CLIPort style).

An action is (pick cell, place cell) of a rows × cols workspace grid, cells indexed row-major. The head
scores cells, not the context vector: each of N learned cell queries, plus h_c projected (so the
instruction steers it), cross-attends to the visual tokens (and the proprio token). One stream gives
a pick logit per cell, an affordance map; a second stream gives place features per cell. Place is
conditioned on pick as in Transporter, whose place score correlates the picked crop's features with
every location: here the picked cell's pick feature (what is picked) plus an embedding of its index
(where) is a query that scores each cell's place feature by a scaled dot product, plus a per-cell
place score. The conditioning is bilinear, so the whole joint

    log π(pick, place) = log p(pick) + log p(place | pick)

is one (B, N, N) tensor: training reads it at the logged pair (teacher forcing on the logged pick)
and acting samples from it, with no forward pass per candidate pick. The head's logits are that
normalised joint, flattened to (B, N²), so an action is one class ``pick · N + place`` to the trainer's
loss, accuracy and same-action pairs, and ``probabilities`` gives the (B, N, N) joint.

Where the domain says where each cell appears in the camera image (``VisionDefaults.cell_pixels``), each
cell's queries also start from the visual token grid read at that point (bilinear), as Transporter's
dense features are read at a pixel: without it a cell must first learn which tokens are its own
(tabletop put-in-bowl, 1,000 demonstrations, 350 steps: 2% of pairs right without, see the README).

There, the instruction is also grounded in the cells (word_grounding.py): each stream reads the words its
role needs and matches their content against each cell's features from the stem's finer map (when the
encoder makes one). Pick is scored by that grounding plus a word-free form prior only: the pick stream's
own score, free to learn anything, learned "a green block is never picked" from demonstrations whose
green blocks were all distractors, and held-out (colour, object) pairs fell to 0–22% right picks. The form
prior reads only the fine map's colour-blind relief (from depth) and is also trained on its own to find
the logged pick (``auxiliary_loss``), so it learns what can be picked at all, strongly, and nothing
about colours: without it, "cyan", learned only on cyan bowls, drew the pick to the cyan bowl rather
than the held-out cyan block. Place keeps the stream's score (a relation such as "to the left of the
blue bowl" is no word–cell match), but it drops out for half the training rows so the grounding must
carry place on its own. The place-given-pick term is positional only (where was picked → where to
place): reading the cells' features, it had learned "a red bowl is never a target" (−17 logits on
held-out bowls). Tabletop put-in-bowl's held-out pairs: 62% before both, 78% with the positional term,
97% with the trained relief prior as well (README, "Tabletop").
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from sim2act.models.attention import CrossAttentionBlock
from sim2act.models.small_encoders import FineGrid
from sim2act.models.word_grounding import WordGrounding

PLACE_STREAM_DROPOUT = 0.5
"""Share of training rows whose place score comes from the grounded words alone (with the pick-conditioned term)."""


class PickPlaceHead(nn.Module):
    """π(pick, place | o, ℓ) over ``cells`` workspace cells, from h_c and the visual tokens."""

    pixel_aligned = True
    """Its actions are cells at fixed pixels of the frame (``training.shift`` refuses it)."""

    def __init__(
        self, d_model: int, cells: int, heads: int, dropout: float = 0.0,
        cell_pixels: list[tuple[float, float]] | None = None, token_grid: tuple[int, int] | None = None,
        fine_grid: FineGrid | None = None, prior_stream: bool = False,
    ) -> None:
        super().__init__()
        self.n = cells
        self.prior_weight = nn.Parameter(torch.ones(2)) if prior_stream else None
        """How much the prior stream's pick and place scores count (prior_stream.py)."""
        self._form: torch.Tensor | None = None
        """The form prior's cell scores of the last training forward, for ``auxiliary_loss``."""
        self.reads_grid = bool(cell_pixels) and token_grid is not None
        self.reads_fine_grid = False
        if self.reads_grid:
            if len(cell_pixels) != cells:
                raise ValueError(f"{len(cell_pixels)} cell pixels for {cells} cells")
            self.register_buffer("sampling", bilinear_weights(cell_pixels, token_grid), persistent=False)
            self.cell_feature = nn.Linear(d_model, 2 * d_model)
            self.reads_fine_grid = fine_grid is not None
            width = relief = d_model
            if self.reads_fine_grid:
                self.register_buffer("fine_sampling", bilinear_weights(cell_pixels, fine_grid[:2]), persistent=False)
                width, relief = fine_grid.width, fine_grid.relief
            self.relief = relief
            self.form_score = nn.Sequential(nn.Linear(relief, 2 * relief), nn.GELU(), nn.Linear(2 * relief, 1))
            self.grounding = WordGrounding(d_model, streams=2, cell_width=width)
            self.place_cell = nn.Embedding(cells, d_model)
        self.cell_queries = nn.Parameter(torch.zeros(2, cells, d_model))
        nn.init.normal_(self.cell_queries)
        self.context = nn.Linear(d_model, 2 * d_model)
        self.pick_block = CrossAttentionBlock(d_model, heads, dropout)
        self.place_block = CrossAttentionBlock(d_model, heads, dropout)
        self.pick_norm, self.place_norm = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.pick_score = nn.Linear(d_model, 1)
        self.place_score = nn.Linear(d_model, 1)
        self.picked_feature = nn.Linear(d_model, d_model)
        self.picked_cell = nn.Embedding(cells, d_model)
        self.place_key = nn.Linear(d_model, d_model)

    def forward(
        self, context: torch.Tensor, tokens: torch.Tensor | None = None,
        words: tuple[torch.Tensor, torch.Tensor] | None = None, fine: torch.Tensor | None = None,
        prior: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """h_c (B, d), the visual tokens (B, T, d), the words (contents, mask) and, with a prior stream, its cell
        scores (B, 2, N) → the log joint log π(pick, place), flat (B, N²)."""
        if tokens is None:
            raise ValueError("the pick_place head scores cells from the visual tokens: pass them")
        if self.reads_grid and words is None:
            raise ValueError("the pick_place head grounds the instruction's words in its cells: pass them")
        b, d = context.shape
        pick_query, place_query = self.context(context).view(b, 2, 1, d).unbind(1)
        pick_query, place_query = pick_query + self.cell_queries[0], place_query + self.cell_queries[1]
        if self.reads_grid:
            grid = tokens[:, tokens.shape[1] - self.sampling.shape[1] :]  # the image's token grid comes last
            cells = self.sampling @ grid  # (B, N, d)
            at_cells = self.cell_feature(cells).view(b, self.n, 2, d)
            pick_query, place_query = pick_query + at_cells[:, :, 0], place_query + at_cells[:, :, 1]
            grounding_cells = self.fine_sampling @ fine if self.reads_fine_grid else cells
            grounded = self.grounding(*words, grounding_cells)  # (B, 2, N)
        pick = self.pick_norm(self.pick_block(pick_query, None, tokens))  # (B, N, d)
        place = self.place_norm(self.place_block(place_query, None, tokens))
        place_logits = self.place_score(place).squeeze(-1)  # (B, N)
        if self.reads_grid:
            # Pick: the words grounded in the cells plus a word-free form prior, and not the pick stream's own score,
            # which learns "never a green block" from demonstrations where green blocks were only ever distractors.
            form = self.form_score(grounding_cells[..., -self.relief :]).squeeze(-1)
            self._form = form if self.training else None
            pick_logits = grounded[:, 0] + form
            if self.training:  # place: the stream's score (relations need it) drops out so the grounding must carry it
                keep = torch.rand(b, 1, device=place_logits.device) >= PLACE_STREAM_DROPOUT
                place_logits = place_logits * keep.to(place_logits.dtype)
            place_logits = place_logits + grounded[:, 1]
        else:
            pick_logits = self.pick_score(pick).squeeze(-1)
        if self.prior_weight is not None:
            if prior is None:
                raise ValueError("this pick_place head adds a prior stream's cell scores: pass them")
            pick_logits = pick_logits + self.prior_weight[0] * prior[:, 0]
            place_logits = place_logits + self.prior_weight[1] * prior[:, 1]
        log_pick = F.log_softmax(pick_logits, -1)
        if self.reads_grid:  # where was picked → where to place, blind to what the cells show (see the module's docstring)
            conditional = (self.picked_cell.weight @ self.place_cell.weight.T / math.sqrt(d)).expand(b, -1, -1)
        else:
            picked = self.picked_feature(pick) + self.picked_cell.weight  # each cell as the picked one (B, N, d)
            conditional = picked @ self.place_key(place).transpose(1, 2) / math.sqrt(d)  # [b, pick, place]
        log_place = F.log_softmax(conditional + place_logits.unsqueeze(1), -1)  # (B, N, N)
        return (log_pick.unsqueeze(-1) + log_place).flatten(1)

    def auxiliary_loss(self, actions: torch.Tensor) -> torch.Tensor:
        """The form prior on its own predicting the logged pick (cross-entropy over cells) in the last training forward.

        Trained only through the joint, the prior stays weak beside the grounding; trained to find
        the picked cell by itself from colour-blind relief, it learns what can be picked at all
        (blocks, not bowls), and can learn nothing about which colours are picked.
        """
        if self._form is None:
            return torch.zeros((), device=actions.device)
        return F.cross_entropy(self._form, actions.long().view(-1, 2)[:, 0])

    def targets(self, actions: torch.Tensor) -> torch.Tensor:
        """Joint class ``pick · N + place`` of dataset actions (B, 2), shape (B, 1)."""
        actions = actions.long().view(-1, 2)
        return (actions[:, 0] * self.n + actions[:, 1]).view(-1, 1)

    def log_prob(self, logits: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """log p(pick) + log p(place | pick) at the logged pair, shape (B,)."""
        return F.log_softmax(logits, -1).gather(-1, self.targets(actions)).squeeze(-1)

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        """The joint p(pick) · p(place | pick), shape (B, N, N)."""
        return logits.softmax(-1).view(-1, self.n, self.n)

    def decode(self, classes: torch.Tensor) -> torch.Tensor:
        """Env actions (B, 2) from chosen joint classes (B, 1)."""
        flat = classes.long().view(-1)
        return torch.stack([flat // self.n, flat % self.n], 1)

    def embedding_input(self, actions: torch.Tensor) -> torch.Tensor:
        return F.one_hot(actions.long().view(-1, 2), self.n).float().flatten(1)

    @property
    def embedding_width(self) -> int:
        """Width of ``embedding_input``: a one-hot of the pick cell, then one of the place cell."""
        return 2 * self.n


def bilinear_weights(points: list[tuple[float, float]], grid: tuple[int, int]) -> torch.Tensor:
    """(N, rows·cols) weights reading a row-major token grid bilinearly at ``points`` (x, y fractions of the image).

    Token (i, j) covers the image's cell of row i and column j, its centre at ((j + ½)/cols, (i + ½)/rows).
    """
    rows, cols = grid
    weights = torch.zeros(len(points), rows * cols)
    for k, (x, y) in enumerate(points):
        u = min(max(x * cols - 0.5, 0.0), cols - 1.0)
        v = min(max(y * rows - 0.5, 0.0), rows - 1.0)
        j0, i0 = int(u), int(v)
        j1, i1 = min(j0 + 1, cols - 1), min(i0 + 1, rows - 1)
        fu, fv = u - j0, v - i0
        for i, j, w in ((i0, j0, (1 - fu) * (1 - fv)), (i0, j1, fu * (1 - fv)), (i1, j0, (1 - fu) * fv), (i1, j1, fu * fv)):
            weights[k, i * cols + j] += w
    return weights
