"""Relabeling respects the splits: an instruction naming a held-out composition never enters training data.

The held-out achievements here are real: uniform rollouts of train-split tasks whose layouts hold a
held-out colour–object pair as a distractor, which the agent happened to reach first.
"""

from __future__ import annotations

import pytest

from sim2act import features as F
from sim2act.data.card import load_card
from sim2act.data.layout import DatasetLayout
from sim2act.data.schema import Feature
from sim2act.data.writer import ShardWriter
from sim2act.errors import Sim2ActError
from sim2act.labels import cut, label_episodes
from sim2act.rollout.generation import GenerateConfig, generate
from sim2act.tasks import SPLITS, belongs_to, check_trainable
from sim2act.tasks.splits import names_held_out


def held_out(instruction: str) -> bool:
    return names_held_out("grid", instruction)


def test_a_held_out_achievement_is_relabeled_with_a_coarser_description_of_the_same_object(rollouts):
    episodes = rollouts("GoToLocal", episodes=128)
    failed = [e for e in episodes if not e.succeeded]
    reached_held_out_first = [e for e in failed if e.achieved and held_out(e.achieved[0][1])]
    assert len(reached_held_out_first) >= 5

    kept = {e.episode_id: e for e in label_episodes("hindsight", episodes, SPLITS["train"])}
    for episode in reached_held_out_first:
        step, full = episode.achieved[0]
        relabeled = kept[episode.episode_id]
        assert (len(relabeled) - 1, relabeled.task.instruction) == next((s, i) for s, i in episode.achieved if not held_out(i))
        # Same step, same object, said without the held-out pair: "go to a ball" for "go to the blue ball".
        assert len(relabeled) - 1 == step
        colour, kind = full.split()[-2:]
        assert relabeled.task.instruction.split()[-1] in (kind, "object")
        assert relabeled.task.instruction.split()[-2] in ("the", "a", colour)
    for episode in kept.values():
        assert not held_out(episode.task.instruction)
        check_trainable(episode.task.domain, episode.task.seed, episode.task.instruction)


def test_with_kind_goals_a_held_out_object_reached_in_3d_is_relabeled_by_its_kind_at_the_same_step(rollouts):
    episodes = rollouts("goto", episodes=96, domain="nav3d", num_envs=2, kind_goals=True)
    failed = [e for e in episodes if not e.succeeded and e.achieved]
    reached_held_out_first = [e for e in failed if names_held_out("nav3d", e.achieved[0][1])]
    assert len(reached_held_out_first) >= 3
    kept = {e.episode_id: e for e in label_episodes("hindsight", failed, SPLITS["train"])}
    for episode in reached_held_out_first:
        step, full = episode.achieved[0]
        relabeled = kept[episode.episode_id]
        assert len(relabeled) - 1 == step and relabeled.task.instruction == f"go to the {full.split()[-1]}"
    for episode in kept.values():
        check_trainable("nav3d", episode.task.seed, episode.task.instruction)


@pytest.mark.parametrize("split", ["val", "test_unseen_composition"])
def test_relabels_of_evaluation_splits_stay_in_their_split(rollouts, split):
    episodes = rollouts("GoToLocal", split=split, episodes=48)
    kept = label_episodes("both", episodes, SPLITS[split])
    hindsight = [e for e in kept if e.label == F.LABEL_HINDSIGHT]
    assert hindsight
    for episode in kept:
        assert belongs_to(SPLITS[split], "grid", episode.task.seed, episode.task.instruction)
        assert held_out(episode.task.instruction) == (split == "test_unseen_composition")


def test_the_writer_still_refuses_a_held_out_relabel(rollouts, tmp_path):
    """Second line of defence: even a labeler that ignored the splits could not write held-out training data."""
    episodes = rollouts("GoToLocal", episodes=128)
    episode, step, instruction = next(
        (e, s, i) for e in episodes if not e.succeeded for s, i in e.achieved if held_out(i)
    )
    smuggled = cut(episode, step, instruction, F.LABEL_HINDSIGHT)
    root = tmp_path / "train"
    generate(GenerateConfig(episodes=2, num_envs=2, shard_episodes=2, labels="both"), root)
    layout = DatasetLayout(root)
    card = load_card(layout.card)
    features = [Feature(name, spec["dtype"], tuple(spec["shape"])) for name, spec in card.features.items()]
    writer = ShardWriter(layout, card, features)
    with pytest.raises(Sim2ActError, match="held-out episode refused"):
        writer.submit(7, [smuggled], "uniform", 0, rollouts=[episode])
    writer.submit(7, label_episodes("both", [episode], SPLITS["train"]), "uniform", 0, rollouts=[episode])
    writer.close()
    assert layout.committed_shards() == [0, 7]
