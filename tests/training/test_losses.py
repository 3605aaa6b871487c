"""Multi-positive InfoNCE: equal to InfoNCE with unique positives, reaching 0 where InfoNCE cannot."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from sim2act.training.losses import multi_positive_info_nce, same_action_pairs


def standard_info_nce(context, actions, temperature):
    logits = F.normalize(context, dim=-1) @ F.normalize(actions, dim=-1).T / temperature
    labels = torch.arange(len(context))
    return 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels))


@pytest.mark.parametrize("temperature", [0.05, 0.1, 1.0])
def test_identity_positives_give_standard_info_nce(temperature):
    g = torch.Generator().manual_seed(0)
    context, actions = torch.randn(16, 8, generator=g), torch.randn(16, 8, generator=g)
    loss = multi_positive_info_nce(context, actions, torch.eye(16, dtype=torch.bool), temperature)
    torch.testing.assert_close(loss, standard_info_nce(context, actions, temperature))


def test_unique_actions_give_identity_pairs_and_standard_info_nce():
    g = torch.Generator().manual_seed(1)
    targets = torch.randperm(10, generator=g).view(10, 1)
    positives = same_action_pairs(targets)
    assert torch.equal(positives, torch.eye(10, dtype=torch.bool))
    context, actions = torch.randn(10, 4, generator=g), torch.randn(10, 4, generator=g)
    torch.testing.assert_close(
        multi_positive_info_nce(context, actions, positives, 0.1), standard_info_nce(context, actions, 0.1)
    )


def test_duplicated_actions_multi_positive_reaches_zero_where_standard_cannot():
    distinct, copies = 4, 8
    classes = torch.arange(distinct).repeat_interleave(copies)  # 32 samples, 8 per action
    embedding = torch.eye(distinct) * 3.0  # orthogonal action embeddings
    actions = embedding[classes]
    context = actions.clone()  # every context aligned with its own action's embedding
    positives = same_action_pairs(classes.view(-1, 1))
    assert positives.sum().item() == distinct * copies * copies
    temperature = 0.01
    multi = multi_positive_info_nce(context, actions, positives, temperature)
    standard = standard_info_nce(context, actions, temperature)
    assert multi.item() < 1e-6
    assert standard.item() >= math.log(copies) - 1e-5  # the contradiction's floor: log(#same-action samples)
    # Gradients flow and are finite.
    context.requires_grad_(True)
    multi_positive_info_nce(context, actions, positives, 0.1).backward()
    assert torch.isfinite(context.grad).all()


def test_loss_is_symmetric_in_its_two_directions():
    g = torch.Generator().manual_seed(2)
    context, actions = torch.randn(12, 6, generator=g), torch.randn(12, 6, generator=g)
    positives = same_action_pairs(torch.randint(0, 3, (12, 1), generator=g))
    torch.testing.assert_close(
        multi_positive_info_nce(context, actions, positives, 0.2),
        multi_positive_info_nce(actions, context, positives.T, 0.2),
    )


def test_misaligned_contexts_cost_more_than_aligned_ones():
    classes = torch.arange(3).repeat(4)
    actions = torch.eye(3)[classes]
    positives = same_action_pairs(classes.view(-1, 1))
    aligned = multi_positive_info_nce(actions, actions, positives, 0.1)
    shifted = multi_positive_info_nce(actions.roll(1, dims=1), actions, positives, 0.1)
    assert shifted > aligned + 1.0


def test_same_action_pairs_on_multi_dimensional_targets():
    targets = torch.tensor([[0, 1], [0, 1], [0, 2], [1, 1], [0, 1]])
    pairs = same_action_pairs(targets)
    expected = torch.tensor(
        [
            [1, 1, 0, 0, 1],
            [1, 1, 0, 0, 1],
            [0, 0, 1, 0, 0],
            [0, 0, 0, 1, 0],
            [1, 1, 0, 0, 1],
        ],
        dtype=torch.bool,
    )
    assert pairs.dtype == torch.bool and torch.equal(pairs, expected)
    assert pairs.diagonal().all() and torch.equal(pairs, pairs.T)
