"""The training objective L = L_BC + λ·L_con.

L_BC is the negative log-likelihood of the logged action. L_con is a *multi-positive* InfoNCE
between the joint contexts h_c and the action embeddings h_a of a mini-batch.

Why multi-positive: with discrete actions a batch of 256 holds only 7 distinct actions, so most
in-batch "negatives" of a sample share its action and have the identical embedding h_a. Standard
InfoNCE would push the context away from them, i.e. away from its own positive: a contradiction
whose best achievable loss is log(#same-action samples), not 0. Multi-positive InfoNCE instead
counts every pair with the same action as a positive:

    L_con(i) = -log( Σ_{j: a_j = a_i} exp(s_ij / τ) / Σ_j exp(s_ij / τ) ),   s_ij = cos(h_c^i, h_a^j)

(symmetrised over the context→action and action→context directions). When all positives of i share
one embedding this is a softmax classification of h_c^i against the batch's distinct actions, and
a context aligned with its action drives the loss to 0. With unique positives (e.g. continuous
actions) it reduces to standard InfoNCE.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def multi_positive_info_nce(
    context: torch.Tensor, actions: torch.Tensor, positives: torch.Tensor, temperature: float
) -> torch.Tensor:
    """Symmetric multi-positive InfoNCE; ``positives[i, j]`` is True when pair (i, j) is positive.

    The diagonal must be positive (every sample is its own positive).
    """
    logits = F.normalize(context, dim=-1) @ F.normalize(actions, dim=-1).T / temperature
    return 0.5 * (_positive_nll(logits, positives) + _positive_nll(logits.T, positives.T))


def _positive_nll(logits: torch.Tensor, positives: torch.Tensor) -> torch.Tensor:
    log_all = torch.logsumexp(logits, dim=1)
    log_positive = torch.logsumexp(logits.masked_fill(~positives, float("-inf")), dim=1)
    return (log_all - log_positive).mean()


def same_action_pairs(targets: torch.Tensor) -> torch.Tensor:
    """(B, B) mask of pairs whose action classes (B, D) are equal in every dimension."""
    return (targets[:, None, :] == targets[None, :, :]).all(-1)
