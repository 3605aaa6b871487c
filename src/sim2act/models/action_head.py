"""Action heads f_a (context → action distribution) and the action embedding f_a^emb (action → d).

Discrete action spaces get one softmax; MultiDiscrete spaces one softmax per dimension (padded to the
largest dimension, the padding masked out), or, for (pick cell, place cell) actions, the spatial
``PickPlaceHead`` (pick_place_head.py). Box spaces are discretised RT-1 style: each dimension is cut
into ``bins`` equal bins over [low, high], the head predicts a softmax per dimension, and an action is
read back as the centres of the chosen bins; with ``action_chunk`` H the head does so for the next H
actions at once (H·D dimensions).

Every head is called as ``head(h_c, visual_tokens)``; only the spatial heads (``pick_place``, and
``keypoints`` for Box actions: keypoint_head.py) read the tokens.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from sim2act.errors import Sim2ActError
from sim2act.models.attention import MLP
from sim2act.models.binned_head import BinnedHead, PerDimensionHead
from sim2act.models.cell_servo_head import CellServoHead
from sim2act.models.config import DEFAULT_ACTION_HEAD, PolicyConfig, PolicySpec
from sim2act.models.keypoint_head import KeypointBinnedHead
from sim2act.models.pick_place_head import PickPlaceHead
from sim2act.models.small_encoders import FineGrid


class DiscreteHead(nn.Module):
    """A softmax over ``n`` actions; actions are integer ids."""

    def __init__(self, d_model: int, n: int) -> None:
        super().__init__()
        self.n = n
        self.linear = nn.Linear(d_model, n)

    def forward(self, context: torch.Tensor, tokens: torch.Tensor | None = None) -> torch.Tensor:
        return self.linear(context)

    def targets(self, actions: torch.Tensor) -> torch.Tensor:
        """Class ids of dataset actions, shape (B, 1)."""
        return actions.long().view(-1, 1)

    def log_prob(self, logits: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return F.log_softmax(logits, -1).gather(-1, self.targets(actions)).squeeze(-1)

    def probabilities(self, logits: torch.Tensor) -> torch.Tensor:
        return logits.softmax(-1)

    def decode(self, classes: torch.Tensor) -> torch.Tensor:
        """Env actions from chosen classes (B, 1)."""
        return classes.squeeze(-1)

    def embedding_input(self, actions: torch.Tensor) -> torch.Tensor:
        return F.one_hot(actions.long().view(-1), self.n).float()

    @property
    def embedding_width(self) -> int:
        """Width of ``embedding_input``."""
        return self.n


class MultiDiscreteHead(PerDimensionHead):
    """A softmax per dimension of a MultiDiscrete action (e.g. a pick cell and a place cell)."""

    def __init__(self, d_model: int, nvec: list[int]) -> None:
        super().__init__()
        self.nvec, self.width = list(nvec), max(nvec)
        self.linear = nn.Linear(d_model, len(nvec) * self.width)
        invalid = torch.arange(self.width)[None, :] >= torch.tensor(nvec)[:, None]
        self.register_buffer("invalid", invalid, persistent=False)

    def forward(self, context: torch.Tensor, tokens: torch.Tensor | None = None) -> torch.Tensor:
        logits = self.linear(context).view(context.shape[0], len(self.nvec), self.width)
        return logits.masked_fill(self.invalid, float("-inf"))

    def targets(self, actions: torch.Tensor) -> torch.Tensor:
        """Class of every dimension, shape (B, D)."""
        return actions.long().view(actions.shape[0], -1)

    def decode(self, classes: torch.Tensor) -> torch.Tensor:
        """Env actions from chosen classes (B, D)."""
        return classes.long()

    def embedding_input(self, actions: torch.Tensor) -> torch.Tensor:
        return F.one_hot(self.targets(actions), self.width).float().flatten(1)

    @property
    def embedding_width(self) -> int:
        """Width of ``embedding_input``: a padded one-hot per dimension."""
        return len(self.nvec) * self.width


ActionHead = DiscreteHead | MultiDiscreteHead | BinnedHead | KeypointBinnedHead | CellServoHead | PickPlaceHead


def check_action_head(spec: PolicySpec, kind: str, chunk: int = 1) -> None:
    """Refuse, in one line, an action head that cannot act in the spec's action space."""
    if kind in ("keypoints", "cell_servo") and spec.action_type != "box":
        raise Sim2ActError(f"action head {kind!r} is for Box action spaces, not {spec.action_type!r} ones")
    if chunk > 1 and spec.action_type != "box":
        raise Sim2ActError(f"action_chunk {chunk}: action chunks are for Box action spaces, not {spec.action_type!r} ones")
    if kind == "pick_place":
        nvec = spec.action_nvec if spec.action_type == "multi_discrete" else []
        if len(nvec) != 2 or nvec[0] != nvec[1]:
            shown = {k: v for k, v in spec.action_space.items() if k != "names"}
            raise Sim2ActError(
                f"action head 'pick_place' needs a MultiDiscrete([N, N]) action space (pick cell, place cell), "
                f"not {shown}"
            )


def make_action_head(
    spec: PolicySpec, config: PolicyConfig, token_grid: tuple[int, int] | None = None,
    fine_grid: FineGrid | None = None,
) -> ActionHead:
    """The head for the spec's action space; ``token_grid`` (rows, cols) of the vision encoder's tokens, if a grid,
    and ``fine_grid`` (rows, cols, widths) of its finer feature map, if it makes one."""
    kind = config.action_head or DEFAULT_ACTION_HEAD
    check_action_head(spec, kind, config.action_chunk)
    d_model = config.d_model
    if kind == "pick_place":
        # Cameras sit side by side in the composed image, the first on the left: its x fractions shrink.
        cameras = max(1, len(spec.cameras))
        pixels = [(x / cameras, y) for x, y in config.cell_pixels] if config.cell_pixels else None
        return PickPlaceHead(d_model, spec.action_nvec[0], config.heads, config.dropout, pixels, token_grid, fine_grid,
                             prior_stream=bool(config.prior_stream))
    if spec.discrete:
        return DiscreteHead(d_model, spec.action_dim)
    if spec.action_type == "multi_discrete":
        return MultiDiscreteHead(d_model, spec.action_nvec)
    chunk = config.action_chunk  # a chunk of H actions is one Box of H·D dimensions, oldest first
    low, high = spec.action_low * chunk, spec.action_high * chunk
    if kind == "keypoints":
        if token_grid is None:
            raise Sim2ActError("action head 'keypoints' needs a vision encoder whose tokens form a grid (the small encoder's)")
        return KeypointBinnedHead(d_model, low, high, config.action_bins, token_grid)
    if kind == "cell_servo":
        if token_grid is None or not config.cell_pixels or not config.cell_positions or spec.proprio_size < 2:
            raise Sim2ActError(
                "action head 'cell_servo' needs the small encoder's token grid, proprio, and the domain's cell pixels and "
                "positions (a continuous mode with CellMotions)"
            )
        return CellServoHead(d_model, low, high, config.action_bins, config.heads, config.dropout, list(config.cell_pixels),
                             list(config.cell_positions), spec.proprio_size, token_grid, fine_grid)
    return BinnedHead(d_model, low, high, config.action_bins)


class ActionEmbedding(nn.Module):
    """f_a^emb: an MLP from the action (one-hot, one-hot per dimension, or a Box action scaled to [-1, 1]) to ``d_model``."""

    def __init__(self, head: ActionHead, d_model: int) -> None:
        super().__init__()
        self.head = [head]  # a plain list: the head's parameters belong to the policy, not to this module
        self.mlp = MLP(head.embedding_width, d_model, d_model)

    def forward(self, actions: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.head[0].embedding_input(actions))
