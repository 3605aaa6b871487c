"""Pre-norm attention blocks on PyTorch's fused scaled-dot-product attention."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):
    """Multi-head attention of ``queries`` over ``keys`` (self-attention when they are the same tensor)."""

    def __init__(self, d_model: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.heads = heads
        self.dropout = dropout
        self.q = nn.Linear(d_model, d_model)
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, queries: torch.Tensor, keys: torch.Tensor, key_mask: torch.Tensor | None = None) -> torch.Tensor:
        """``key_mask`` (B, Lk) is True for keys that may be attended to."""
        b, lq, d = queries.shape
        q = self.q(queries).view(b, lq, self.heads, -1).transpose(1, 2)
        k = self.k(keys).view(b, keys.shape[1], self.heads, -1).transpose(1, 2)
        v = self.v(keys).view(b, keys.shape[1], self.heads, -1).transpose(1, 2)
        mask = None if key_mask is None else key_mask[:, None, None, :]
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0)
        return self.out(out.transpose(1, 2).reshape(b, lq, d))


class MLP(nn.Sequential):
    def __init__(self, d_in: int, d_hidden: int, d_out: int, dropout: float = 0.0) -> None:
        super().__init__(nn.Linear(d_in, d_hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(d_hidden, d_out))


class SelfAttentionBlock(nn.Module):
    """A transformer encoder layer: self-attention then an MLP, each with a residual."""

    def __init__(self, d_model: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attention = Attention(d_model, heads, dropout)
        self.mlp = MLP(d_model, 4 * d_model, d_model, dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.attention(h, h, mask)
        return x + self.mlp(self.norm2(x))


class CrossAttentionBlock(nn.Module):
    """Queries attend to each other, then to a context sequence, then pass an MLP (a decoder layer)."""

    def __init__(self, d_model: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm_self, self.norm_cross, self.norm_context, self.norm_mlp = (nn.LayerNorm(d_model) for _ in range(4))
        self.self_attention = Attention(d_model, heads, dropout)
        self.cross_attention = Attention(d_model, heads, dropout)
        self.mlp = MLP(d_model, 4 * d_model, d_model, dropout)

    def forward(self, queries: torch.Tensor, query_mask: torch.Tensor | None, context: torch.Tensor) -> torch.Tensor:
        h = self.norm_self(queries)
        x = queries + self.self_attention(h, h, query_mask)
        x = x + self.cross_attention(self.norm_cross(x), self.norm_context(context))
        return x + self.mlp(self.norm_mlp(x))
