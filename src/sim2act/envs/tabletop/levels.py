"""The tabletop levels, modelled on CLIPort's tasks: what each puts on the table and asks for.

A level turns a seeded RNG into a ``Layout``: blocks and bowls on workspace cells and the
instruction. Objects start on cell centres (with a few millimetres of jitter) so a cell-level
``pick_place`` action can reach every one; bowls keep the cells around them clear.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim2act.envs.tabletop import language as L
from sim2act.envs.tabletop.predicates import DIRECTION_VECTORS
from sim2act.envs.tabletop.workspace import BOWL_FOOTPRINT, CELLS, COLS, MAX_BLOCKS, MAX_BOWLS, ROWS, chebyshev
from sim2act.errors import Sim2ActError
from sim2act.validation import suggest


@dataclass(frozen=True)
class Block:
    color: str
    size: str
    cell: int


@dataclass(frozen=True)
class Bowl:
    color: str
    cell: int


@dataclass(frozen=True)
class Layout:
    """One episode's table and task."""

    blocks: tuple[Block, ...]
    bowls: tuple[Bowl, ...]
    instruction: str
    named_colors: tuple[str, ...]
    """Colours the level may name (instructions, hindsight, captions); objects in other colours are unnamed distractors."""


@dataclass(frozen=True)
class LevelSpec:
    """How a level fills the table."""

    name: str
    summary: str
    primitives: int
    """Episode length in ``pick_place`` steps."""
    ee_steps: int
    """Episode length in 10-Hz ``ee_delta`` steps."""
    colors: tuple[str, ...] = L.TRAIN_COLORS
    """Colours its instructions name."""
    randomize: bool = False
    """Domain-randomised scenes whatever the env's ``randomize`` option says (a generalization variant)."""
    extra: dict = field(default_factory=dict)


LEVELS = {
    s.name: s
    for s in (
        LevelSpec("pick", "pick up the red block (2–4 blocks)", primitives=2, ee_steps=60),
        LevelSpec("put-in-bowl", "put the red block in the blue bowl (1–3 bowls, 1–4 blocks)", primitives=3, ee_steps=100),
        LevelSpec("put-in-bowl-unseen-colors", "put-in-bowl naming CLIPort's evaluation colours", primitives=3,
                  ee_steps=100, colors=L.EVAL_COLORS),
        LevelSpec("put-in-bowl-distractors", "put-in-bowl with a full table: 3 bowls and 5 blocks", primitives=3,
                  ee_steps=100),
        LevelSpec("put-in-bowl-randomized", "put-in-bowl in domain-randomised scenes", primitives=3, ee_steps=100,
                  randomize=True),
        LevelSpec("stack", "stack the red block on the green block (2–4 blocks)", primitives=3, ee_steps=100),
        LevelSpec("place-relative", "put the small red block to the left of the blue bowl", primitives=3, ee_steps=100),
        LevelSpec("tower", "stack 3–4 named blocks into a tower, bottom first (long horizon)", primitives=6,
                  ee_steps=250),
    )
}
NAMED_LEVELS = tuple(LEVELS)
DEFAULT_LEVEL = "put-in-bowl"
RELATION_CELLS = 2
"""Cells between a bowl and where ``place-relative`` puts a block (10 cm: inside the relation's 6–16 cm)."""
SEQUENCE_LEVELS = ("tower",)

PUBLISHED = {
    "put-in-bowl": "CLIPort (Shridhar et al., CoRL 2021), put-blocks-in-bowls, seen colours: 100.0% with 1,000 "
    "demonstrations (ours: one block per instruction, theirs: all blocks of a colour)",
    "put-in-bowl-unseen-colors": "CLIPort, put-blocks-in-bowls, unseen colours: 46.0% (1,000 demonstrations)",
    "stack": "CLIPort's stack-block-pyramid-seq (seen): 95.3% with 1,000 demonstrations",
    "place-relative": "no CLIPort counterpart (its spatial tasks pack shapes and boxes)",
    "tower": "CLIPort stack-block-pyramid-seq, unseen colours: 21.7% (1,000 demonstrations)",
    "pick": "Transporter Networks (Zeng et al., 2020) block pick: 100% with 10 demonstrations",
}


def resolve_level(level: str) -> str:
    if level not in LEVELS:
        raise Sim2ActError(f"unknown tabletop level {level!r}{suggest(level, LEVELS)}; known: {', '.join(LEVELS)}")
    return level


PUT_IN_BOWL_VARIANTS = ("put-in-bowl-unseen-colors", "put-in-bowl-distractors", "put-in-bowl-randomized")


def variants(level: str) -> tuple[str, ...]:
    """Levels a policy trained on ``level`` never saw: for put-in-bowl, CLIPort's unseen colours, more
    distractors than training ever shows, and domain-randomised scenes."""
    return PUT_IN_BOWL_VARIANTS if level == "put-in-bowl" else ()


def sample_layout(level: str, rng: np.random.Generator) -> Layout:
    """The table and instruction of one episode of ``level``."""
    spec = LEVELS[level]
    sampler = _SAMPLERS[level.removesuffix("-unseen-colors").removesuffix("-randomized")]
    return sampler(spec, rng, _Cells(rng))


class _Cells:
    """Draws free cells with an empty cell between any two objects: room for the open fingers.

    A bowl (4.6 cm outer radius) stays ``margin`` cells inside the grid's edge, so it lies on the table
    whole (and, for ``place-relative``, so every relation around it stays on the workspace).
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.taken: list[int] = []

    def draw(self, margin: int) -> int:
        for _ in range(1000):
            cell = int(self.rng.integers(CELLS))
            row, col = divmod(cell, COLS)
            inside = margin <= row < ROWS - margin and margin <= col < COLS - margin
            if inside and all(chebyshev(cell, c) > 1 for c in self.taken):
                self.taken.append(cell)
                return cell
        raise RuntimeError("no free cell: too many objects for the workspace")

    def reserve(self, cell: int) -> None:
        """Keep ``cell`` (and the cells around it) free of objects."""
        self.taken.append(cell)


def _colors(rng, pool, k) -> list[str]:
    return [str(c) for c in rng.choice(pool, size=k, replace=False)]


def _blocks(rng, cells: _Cells, colors: list[str]) -> list[Block]:
    return [Block(c, str(rng.choice(L.SIZES)), cells.draw(0)) for c in colors]


def _distractor_colors(rng, used: list[str], k: int) -> list[str]:
    return _colors(rng, [c for c in L.ALL_COLORS if c not in used], k)


def _pick(spec, rng, cells) -> Layout:
    n = int(rng.integers(2, 5))
    target = _colors(rng, spec.colors, 1)
    colors = target + _distractor_colors(rng, target, n - 1)
    return Layout(tuple(_blocks(rng, cells, colors)), (), L.pick_instruction(target[0]), spec.colors)


def _put_in_bowl(spec, rng, cells) -> Layout:
    n_bowls, n_blocks = int(rng.integers(1, MAX_BOWLS + 1)), int(rng.integers(1, 5))
    block, bowl = _colors(rng, spec.colors, 1)[0], _colors(rng, spec.colors, 1)[0]
    bowls = [Bowl(bowl, cells.draw(BOWL_FOOTPRINT))]
    bowls += [Bowl(c, cells.draw(BOWL_FOOTPRINT)) for c in _distractor_colors(rng, [bowl], n_bowls - 1)]
    blocks = _blocks(rng, cells, [block] + _distractor_colors(rng, [block], n_blocks - 1))
    return Layout(tuple(blocks), tuple(bowls), L.put_in_bowl_instruction(block, bowl), spec.colors)


def _put_in_bowl_crowded(spec, rng, cells) -> Layout:
    """Every bowl and block the table holds (training's put-in-bowl: 1–3 bowls, 1–4 blocks)."""
    block, bowl = _colors(rng, spec.colors, 1)[0], _colors(rng, spec.colors, 1)[0]
    bowls = [Bowl(c, cells.draw(BOWL_FOOTPRINT)) for c in [bowl] + _distractor_colors(rng, [bowl], MAX_BOWLS - 1)]
    blocks = _blocks(rng, cells, [block] + _distractor_colors(rng, [block], MAX_BLOCKS - 1))
    return Layout(tuple(blocks), tuple(bowls), L.put_in_bowl_instruction(block, bowl), spec.colors)


def _stack(spec, rng, cells) -> Layout:
    n = int(rng.integers(2, 5))
    top, bottom = _colors(rng, spec.colors, 2)
    blocks = _blocks(rng, cells, [top, bottom] + _distractor_colors(rng, [top, bottom], n - 2))
    return Layout(tuple(blocks), (), L.stack_instruction(top, bottom), spec.colors)


def _place_relative(spec, rng, cells) -> Layout:
    n_bowls, n_blocks = int(rng.integers(1, 3)), int(rng.integers(2, 4))
    bowl, direction = _colors(rng, spec.colors, 1)[0], str(rng.choice(L.DIRECTIONS))
    bowls = [Bowl(bowl, cells.draw(BOWL_FOOTPRINT + 1))]  # room on every side for the relation
    cells.reserve(relation_cell(bowls[0].cell, direction))  # where the block goes stays free
    bowls += [Bowl(c, cells.draw(BOWL_FOOTPRINT)) for c in _distractor_colors(rng, [bowl], n_bowls - 1)]
    block = _colors(rng, spec.colors, 1)[0]
    blocks = _blocks(rng, cells, [block] + _distractor_colors(rng, [block], n_blocks - 1))
    instruction = L.place_relative_instruction(blocks[0].size, block, direction, bowl)
    return Layout(tuple(blocks), tuple(bowls), instruction, spec.colors)


def relation_cell(bowl_cell: int, direction: str) -> int:
    """The cell ``RELATION_CELLS`` from a bowl's in ``direction`` as the camera sees it (the expert's target)."""
    row, col = divmod(bowl_cell, COLS)
    d_row, d_col = (int(v) for v in DIRECTION_VECTORS[direction])  # rows run along x, columns along y
    return (row + RELATION_CELLS * d_row) * COLS + col + RELATION_CELLS * d_col


def _tower(spec, rng, cells) -> Layout:
    n = int(rng.integers(3, 5))
    colors = _colors(rng, spec.colors, n)
    distractors = _distractor_colors(rng, colors, int(rng.integers(0, MAX_BLOCKS - n + 1)))
    blocks = [Block(c, "large", cells.draw(0)) for c in colors] + _blocks(rng, cells, distractors)
    return Layout(tuple(blocks), (), L.tower_instruction(colors), spec.colors)


_SAMPLERS = {
    "pick": _pick,
    "put-in-bowl": _put_in_bowl,
    "put-in-bowl-distractors": _put_in_bowl_crowded,
    "stack": _stack,
    "place-relative": _place_relative,
    "tower": _tower,
}
