"""π_θ(a | o, ℓ): encoders, cross-attention fusion, action head and action embedding.

Instruction tokens, after a learned ``[ACT]`` query token, attend to each other and cross-attend
to the visual tokens of the last ``memory`` observations plus one proprioception token, layer after
layer (transformer decoder layers). The ``[ACT]`` token's output is the joint context h_c that the
action head reads and the contrastive loss aligns with f_a^emb(a); the spatial ``pick_place`` head
also reads the visual and proprio tokens (pick_place_head.py).

Why the instruction enters the fusion as position-aware word embeddings (``text_layers=0`` by
default) rather than after a self-attention text encoder: on BabyAI GoToLocal, a pre-fusion text
layer lets "blue ball" get a representation of its own, and held-out colour–object pairs then fail
(with the ``patch`` stem, 72% success on ``test_unseen_composition`` against 87% without it, same
data and budget; a FiLM conditioning of the visual tokens on the pooled instruction did worse
still, 66–80%). The fusion layers' own self-attention still reads the instruction as a sequence.
The visual side of the same argument is the ``factored`` stem (factored_vision.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from sim2act.models.action_head import ActionEmbedding, make_action_head
from sim2act.models.attention import CrossAttentionBlock
from sim2act.models.config import PolicyConfig, PolicySpec
from sim2act.models.grounded_map import MapScores, grounded_map
from sim2act.models.object_view import view_head
from sim2act.models.pick_place_head import PickPlaceHead
from sim2act.models.prior_stream import PriorStream, drop_words, read_words

PROPRIO_RANGE_FLOOR = 1e-2
"""Smallest range proprio is divided by: a dimension constant in the data is centred, not blown up."""


@dataclass
class Instructions:
    """Encoded instructions: a batch holds few distinct ones, encoded once and indexed per row."""

    tokens: torch.Tensor
    """Position-aware word tokens (U, L, d)."""
    mask: torch.Tensor
    """(U, L), True for real words."""
    contents: torch.Tensor
    """Each word's embedding without its position (U, L, d), for grounding words in pixels (word_grounding.py)."""
    unread: torch.Tensor | None = None
    """With a prior stream: which instructions have a word the head's own grounding cannot read (U,)."""


@dataclass
class PolicyOutput:
    logits: torch.Tensor
    """(B, n) for discrete actions, (B, D, classes) per dimension, or (B, N²) of the pick_place head's log joint."""
    context: torch.Tensor
    """h_c, (B, d)."""
    grounded: MapScores | None = None
    """The grounded map's scores, for a policy with one (its loss needs them)."""


class VisionLanguagePolicy(nn.Module):
    """The sim2act policy. Build it with ``sim2act.models.build_policy``; save and load with ``policy_io``."""

    def __init__(
        self, spec: PolicySpec, config: PolicyConfig, vision: nn.Module, text: nn.Module, tokenizer,
        prior_stream: PriorStream | None = None,
    ) -> None:
        super().__init__()
        self.spec, self.config, self.tokenizer = spec, config, tokenizer
        d = config.d_model
        self.vision, self.text = vision, text
        self.proprio = nn.Linear(spec.proprio_size * config.memory, d) if spec.proprio_size else None
        # The dataset's range (saved in the spec, so not in the weights) maps to [-1, 1], as Diffusion Policy and
        # LeRobot's MIN_MAX mode do: a mean/std scaling would blow up rare one-hot dimensions (the grid's
        # carried-object flags have std 0.06, a ×16 gain).
        normalised = bool(spec.proprio_size and spec.proprio_min)
        low = torch.tensor(spec.proprio_min if normalised else [-1.0] * spec.proprio_size, dtype=torch.float32)
        high = torch.tensor(spec.proprio_max if normalised else [1.0] * spec.proprio_size, dtype=torch.float32)
        self.register_buffer("proprio_centre", (high + low) / 2, persistent=False)
        self.register_buffer("proprio_scale", 2.0 / (high - low).clamp_min(PROPRIO_RANGE_FLOOR), persistent=False)
        self.act_query = nn.Parameter(torch.zeros(1, 1, d))
        nn.init.trunc_normal_(self.act_query, std=0.02)
        self.fusion = nn.ModuleList(
            CrossAttentionBlock(d, config.heads, config.dropout) for _ in range(config.fusion_layers)
        )
        self.norm = nn.LayerNorm(d)
        self.head = make_action_head(spec, config, getattr(vision, "grid", None), getattr(vision, "fine_grid", None))
        self.action_embedding = ActionEmbedding(self.head, d)
        self.view_head = view_head(spec.domain, d, config.view_weight, config.view_parts)
        """Training only: where the instruction's object is in the frame, read from h_c (object_view.py)."""
        self.grounded_map = grounded_map(spec.domain, d, config.view_map, vision, config.heads)
        """The instruction's attribute and kind scored on the stem's colour and form parts, added to h_c (grounded_map.py)."""
        self.prior_stream = prior_stream
        if prior_stream is not None:
            self.register_buffer("trained_words", torch.zeros(len(tokenizer), dtype=torch.bool))
            """Which of the tokenizer's words training has read (``prior_stream.read_words``)."""
        if config.encoder_mode == "frozen":
            for module in (self.vision, self.text):
                module.freeze_backbone()

    def prepare_frames(self, rgb: torch.Tensor) -> torch.Tensor:
        """Raw frames (N, H, W, C) uint8 in the layout the vision encoder reads; done once per frame."""
        return self.vision.prepare_frames(rgb)

    def encode_instructions(self, ids: torch.Tensor, mask: torch.Tensor) -> Instructions:
        """Token ids (U, L) and their mask → the encoded instructions."""
        tokens, _ = self.text(ids, mask)
        contents, unread = self.text.word_contents(ids), None
        if self.prior_stream is not None:
            contents, unread = drop_words(contents, ids, mask, self.trained_words, self.config.word_dropout, self.training)
        return Instructions(tokens, mask, contents, unread)

    def read_words(self, ids: torch.Tensor) -> None:
        """Record the token ``ids`` of training's instructions as words the policy's own grounding has read."""
        if self.prior_stream is not None:
            read_words(self.trained_words, ids)

    def prior_scores(self, frames: torch.Tensor, instructions: list[str]) -> torch.Tensor | None:
        """The prior stream's cell scores (B, 2, cells) of raw first-camera frames (B, H, W, 3) uint8; None without one."""
        return None if self.prior_stream is None else self.prior_stream.scores(frames, instructions)

    def forward(
        self,
        rgb: torch.Tensor,
        proprio: torch.Tensor,
        instructions: Instructions,
        text_index: torch.Tensor,
        cells: torch.Tensor | None = None,
        prior: torch.Tensor | None = None,
    ) -> PolicyOutput:
        """``rgb``: windows of prepared frames (B, k, ...) uint8; ``proprio`` (B, k, P).

        Row i follows instruction ``text_index[i]`` of ``instructions``; ``cells`` (B, 2): training's hindsight
        (pick, place) cells for a head that reads them (``cell_servo``); ``prior`` (B, 2, cells): the prior
        stream's scores of the rows (``prior_scores``), needed when the policy has one.
        """
        if (prior is None) != (self.prior_stream is None):
            raise ValueError("pass the prior stream's scores exactly when the policy has a prior stream")
        if prior is not None and self.config.prior_stream_rows == "unread":
            prior = prior * instructions.unread[text_index].to(prior.dtype)[:, None, None]
        raw_proprio = proprio[:, -1]
        fine = parts = None
        if getattr(self.head, "reads_fine_grid", False):
            visual, _, fine = self.vision(rgb, fine=True)
        elif self.grounded_map is not None:
            visual, _, parts = self.vision(rgb, parts=True)
        else:
            visual, _ = self.vision(rgb)
        if self.proprio is not None:
            proprio = (proprio - self.proprio_centre) * self.proprio_scale
            visual = torch.cat([self.proprio(proprio.flatten(1)).unsqueeze(1), visual], 1)
        words, mask = instructions.tokens[text_index], instructions.mask[text_index]
        b = rgb.shape[0]
        queries = torch.cat([self.act_query.expand(b, -1, -1), words], 1)
        query_mask = torch.cat([mask.new_ones(b, 1), mask], 1)
        for layer in self.fusion:
            queries = layer(queries, query_mask, visual)
        h_c = self.norm(queries[:, 0])
        if self.grounded_map is not None:
            added, scores = self.grounded_map(instructions.contents[text_index], mask, *parts)
            h_c = h_c + added
            return PolicyOutput(self.head(h_c, visual), h_c, scores)
        if isinstance(self.head, PickPlaceHead):
            words = (instructions.contents[text_index], mask)
            return PolicyOutput(self.head(h_c, visual, words, fine, prior), h_c)
        if getattr(self.head, "reads_words", False):
            words = (instructions.contents[text_index], mask)
            return PolicyOutput(self.head(h_c, visual, words, fine, raw_proprio, proprio[:, -1], cells), h_c)
        return PolicyOutput(self.head(h_c, visual), h_c)

    def embed_actions(self, actions: torch.Tensor) -> torch.Tensor:
        """h_a = f_a^emb(a), (B, d)."""
        return self.action_embedding(actions)

    @torch.no_grad()
    def action_probabilities(
        self, rgb: torch.Tensor, proprio: torch.Tensor, instructions: list[str], frames: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """π_θ(· | o, ℓ) for a batch of observation windows: (B, n), (B, D, classes) per dimension, or the
        pick_place head's joint (B, N, N). ``frames``: the raw first-camera frames (B, H, W, 3) uint8 the prior
        stream scores, needed when the policy has one."""
        distinct = list(dict.fromkeys(instructions))
        encoded = self.encode_instructions(*self.tokenizer.encode(distinct))
        index = torch.tensor([distinct.index(i) for i in instructions])
        if self.prior_stream is not None and frames is None:
            raise ValueError("this policy has a prior stream: pass the raw first-camera frames")
        prior = self.prior_scores(frames, instructions) if self.prior_stream is not None else None
        return self.head.probabilities(self(rgb, proprio, encoded, index, prior=prior).logits.float())
