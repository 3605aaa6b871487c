"""AdamW parameter groups: weight decay on weight matrices only, for the policy and the prior alike."""

from __future__ import annotations

import torch


def parameter_groups(module: torch.nn.Module, weight_decay: float) -> list[dict]:
    """Decay the weight matrices of linear and convolution layers only (not biases, norms, embeddings, positions)."""
    decayed = {
        id(layer.weight)
        for layer in module.modules()
        if isinstance(layer, (torch.nn.Linear, torch.nn.Conv1d, torch.nn.Conv2d))
    }
    trainable = [p for p in module.parameters() if p.requires_grad]
    return [
        {"params": [p for p in trainable if id(p) in decayed], "weight_decay": weight_decay},
        {"params": [p for p in trainable if id(p) not in decayed], "weight_decay": 0.0},
    ]
