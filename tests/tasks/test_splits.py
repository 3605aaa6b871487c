"""Declarative splits: disjoint seed ranges, held-out compositions and the training-data guard."""

import itertools

import pytest
from minigrid.core.constants import COLOR_NAMES

from sim2act.envs import get_domain
from sim2act.envs.grid.language import OBJECT_TYPES, compositions
from sim2act.errors import Sim2ActError
from sim2act.tasks import SPLITS, belongs_to, check_trainable, get_split

HELD_OUT = get_domain("grid").grammar.held_out


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(SPLITS.values(), 2)), ids=lambda s: s.name)
def test_seed_ranges_are_disjoint(a, b):
    assert a.seed_start < a.seed_stop and b.seed_start < b.seed_stop
    assert a.seed_stop <= b.seed_start or b.seed_stop <= a.seed_start


def test_owns_seed_is_half_open():
    train, val = SPLITS["train"], SPLITS["val"]
    assert train.owns_seed(train.seed_start) and train.owns_seed(train.seed_stop - 1)
    assert not train.owns_seed(train.seed_stop) and val.owns_seed(train.seed_stop)
    assert [name for name, s in SPLITS.items() if s.trainable] == ["train"]


def test_held_out_compositions_leave_every_colour_and_object_in_training():
    assert all(colour in COLOR_NAMES and obj in OBJECT_TYPES for colour, obj in HELD_OUT)
    seen = {pair for pair in itertools.product(COLOR_NAMES, OBJECT_TYPES) if pair not in HELD_OUT}
    assert {colour for colour, _ in seen} == set(COLOR_NAMES)
    assert {obj for _, obj in seen} == set(OBJECT_TYPES)


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        ("go to the red ball", {("red", "ball")}),
        ("put the red ball next to a blue key", {("red", "ball"), ("blue", "key")}),
        ("open the purple door, then pick up a grey box", {("purple", "door"), ("grey", "box")}),
        ("pick up a ball", set()),
        ("go to the door on your left", set()),
        ("go to the greenish ball", set()),
    ],
)
def test_compositions_parses_babyai_instructions(instruction, expected):
    assert compositions(instruction) == expected


def test_belongs_to_checks_seed_and_composition():
    held_out, seen = "go to the blue ball", "go to the red ball"
    unseen = get_split("test_unseen_composition")
    assert belongs_to(unseen, "grid", unseen.seed_start, held_out)
    assert not belongs_to(unseen, "grid", unseen.seed_start, seen)
    assert not belongs_to(unseen, "grid", 0, held_out)
    assert belongs_to(SPLITS["train"], "grid", 0, seen)
    assert not belongs_to(SPLITS["train"], "grid", 0, held_out)


def test_check_trainable():
    check_trainable("grid", 42, "pick up the red ball")
    with pytest.raises(Sim2ActError, match="put the blue ball next to"):
        check_trainable("grid", 42, "put the blue ball next to the red box")  # held-out in a compound
    with pytest.raises(Sim2ActError, match=str(SPLITS["val"].seed_start)):
        check_trainable("grid", SPLITS["val"].seed_start, "pick up the red ball")
    with pytest.raises(Sim2ActError):
        check_trainable("grid", -1, "pick up the red ball")


def test_unknown_split_is_named_with_a_suggestion():
    with pytest.raises(Sim2ActError, match=r"unknown split 'trian'.*did you mean 'train'"):
        get_split("trian")
