"""``Domain``: everything generic code may know about a simulator, declared in one place.

Generic code (tasks, proposers, labels, training, evaluation, the loop, baselines, benchmarks) reads
a domain only through this description and never imports ``sim2act.envs.<domain>``. Capabilities a
domain may lack (captions, previews, a scripted expert, replay, exact state keys) are declared, so
a pipeline that needs one refuses up front with one line instead of failing mid-run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import gymnasium as gym

from sim2act import features as F
from sim2act.envs.captions import Caption, Region


def _one_type(instruction: str) -> str:
    return "instruction"


@dataclass(frozen=True)
class Grammar:
    """The domain's task language."""

    vocabulary: tuple[str, ...]
    """Every word the grammar can produce (the word-level tokenizer is built from it); append, never reorder."""
    compositions: Callable[[str], frozenset[tuple[str, str]]]
    """The (attribute, object) pairs an instruction names, e.g. ``{("red", "ball")}``."""
    held_out: frozenset[tuple[str, str]] = frozenset()
    """Pairs never named in training instructions (``test_unseen_composition`` names at least one)."""
    instruction_type: Callable[[str], str] = _one_type
    """The grammatical form of an instruction ("go to", "sequence", ...), for per-type breakdowns."""
    subgoals: Callable[[str], list[str]] | None = None
    """The clauses of a sequenced instruction as instructions of their own (the long-horizon bench)."""
    action_phrases: Callable[[str], tuple[str | None, ...]] | None = None
    """For cell actions: per action dimension, the noun phrase (a ``Region`` text) of what that dimension's cell
    should be at, read off the instruction alone; None for a dimension any cell serves. π0's cell scoring uses it."""


@dataclass(frozen=True)
class Levels:
    """The domain's levels: which are tested, which is the default, which the benches use."""

    named: tuple[str, ...]
    """Levels that are tested, listed and registered with Gymnasium; a domain may accept more."""
    default: str
    """The level a command uses when none is given."""
    resolve: Callable[[str], str]
    """Maps a user-given level name to its canonical name, or raises ``Sim2ActError``."""
    variants: Callable[[str], tuple[str, ...]] = lambda level: ()
    """Levels a policy trained on ``level`` never saw, for the generalization bench."""
    sequence: tuple[str, ...] = ()
    """Levels with sequenced instructions, for the long-horizon bench."""
    published: Mapping[str, str] = field(default_factory=dict)
    """Published reference figures per level, quoted beside the benches' tables."""


@dataclass(frozen=True)
class VisionDefaults:
    """How the policy's ``small`` vision encoder cuts this domain's frames into tokens, and which action head
    reads them, by default."""

    stem: str = "patch"
    """``factored`` (a colour plus a form embedding per cell) only where frames are a grid of cells; else ``patch``."""
    patch_size: int = 8
    """Pixels per token side (the cell side when frames are a grid of cells)."""
    action_head: str = "independent"
    """``independent`` (a softmax per dimension from h_c) or ``pick_place`` (pick, then place, of N cells)."""
    cell_pixels: tuple[tuple[float, float], ...] = ()
    """For cell actions: where each cell's centre appears in the first camera's image, (x, y) as fractions of its
    width and height (a fixed camera's projection); empty where cells have no fixed place in the image."""


@dataclass(frozen=True)
class Sensors:
    """What the domain's envs observe, as observation keys; all of it is what a robot would have."""

    cameras: tuple[str, ...] = (F.RGB,)
    """Keys of H×W×3 uint8 RGB frames, one per camera (all of one height: the policy sets them side by side)."""
    depth: tuple[str, ...] = ()
    """Keys of H×W float32 depth maps, one per camera in ``cameras``' order, or none."""
    depth_range: tuple[float, float] = (0.0, 10.0)
    """Depths (in the env's units) that the policy's depth channel maps to 0 and 255; beyond are clipped."""
    proprio: str | None = F.PROPRIO
    """Key of the proprioception vector (normalised by the dataset's statistics), or None."""

    def __post_init__(self) -> None:
        if not self.cameras or (self.depth and len(self.depth) != len(self.cameras)):
            raise ValueError(f"Sensors needs at least one camera and one depth key per camera or none: {self}")

    def to_json(self) -> dict[str, Any]:
        return {"cameras": list(self.cameras), "depth": list(self.depth),
                "depth_range": list(self.depth_range), "proprio": self.proprio}


@runtime_checkable
class Previewable(Protocol):
    """An env that can show what each action would lead to without moving (the prior proposer needs it).

    A continuous-control env may also take ``repeat``: each action held for that many steps (an action chunk),
    for a prior that previews chunks (``prior_horizon``).
    """

    def preview(self, actions: Sequence[Any]) -> list[dict[str, Any]]: ...


class Expert(Protocol):
    """A scripted expert for one episode, reading privileged simulator state (reference baselines only)."""

    def act(self, last_action: Any) -> Any | None:
        """The next action, given the action executed last (None at the start); None when it gives up."""


class Motion(Protocol):
    """A multi-step motion under way: the next continuous action from the latest observation, None when over."""

    def act(self, observation: Mapping[str, Any]) -> Any | None: ...


@dataclass(frozen=True)
class CellMotions:
    """How a continuous-control mode carries out "pick at cell i, place at cell j" from what the robot observes
    (π0's cell scores in that mode: ``proposers.cell_motion``)."""

    cell_pixels: tuple[tuple[float, float], ...]
    """Each cell's (x, y) in the first camera as fractions of its width and height."""
    start: Callable[[int, int, Mapping[str, Any]], Motion]
    """``start(pick, place, observation)``: the motion, read from observations only (proprio, depth)."""
    cell_positions: tuple[tuple[float, float], ...] = ()
    """Each cell's centre in the frame of proprio's first two dimensions (the hand–eye calibration a robot has):
    the ``cell_servo`` policy head moves toward these."""
    grasp_cells: Callable[[Any, Any], Any] | None = None
    """``grasp_cells(proprio (T, P), actions (T, A))`` of one episode: each step's (pick, place) cells (T, 2), where it
    goes on to grasp something and to let it go, -1 where that is over or never happens (hindsight labels of
    what the episode did, for the ``cell_servo`` head)."""


@dataclass(frozen=True)
class ObjectViews:
    """Where the domain's named objects appear in the first camera, as its envs report in ``info["object_view"]``.

    A privileged annotation recorded with each step: the target of the policy's view loss (``view_weight``),
    which asks the fused context where the instruction's object is in the frame. Never a policy input.
    """

    slots: tuple[str, ...]
    """The named objects' noun phrases ("the red box"), one per entry of the annotation vector."""
    parts: tuple[tuple[str, str], ...]
    """Each slot's (attribute, object), as ``Grammar.compositions`` names them: ("red", "box")."""
    bins: int
    """Columns the camera's width is cut into: an entry is 1..bins (left to right), or 0 when that object is out of view."""
    target: Callable[[str], str | None]
    """The noun phrase of the object an instruction sends the agent to, or None where the instruction alone does not
    say which (rows the view loss skips)."""


@dataclass(frozen=True)
class Domain:
    """A simulator family and everything the rest of sim2act needs to know about it."""

    name: str
    """Short name used on the command line (``grid``, ``tabletop``, ...)."""
    summary: str
    """One line for ``sim2act envs``."""
    build: Callable[..., gym.Env]
    """``build(level, **options)`` returns an env that follows the sim2act observation API."""
    levels: Levels
    grammar: Grammar
    sensors: Callable[[Mapping[str, Any]], Sensors] = lambda options: Sensors()
    """The observation keys of envs built with these env options (cameras, depth, proprio)."""
    vision: Callable[[Mapping[str, Any]], VisionDefaults] = lambda options: VisionDefaults()
    """The vision defaults for envs built with these env options."""
    captions: Callable[[gym.Env], Sequence[Caption]] | None = None
    """``captions(env)``: instructions about the env's current state with their distance to true (the prior's data)."""
    regions: Callable[[gym.Env], Sequence[Region]] | None = None
    """``regions(env)``: named things' noun phrases and where they appear in the first camera, and places where
    nothing named is (the prior's patch-level data; with ``Grammar.action_phrases``, π0's cell scoring)."""
    cell_motions: Callable[[Mapping[str, Any]], CellMotions | None] | None = None
    """``cell_motions(env options)``: for a continuous action mode, how π0's chosen cells become actions (None where
    the mode has none)."""
    preview: bool = False
    """Its envs are ``Previewable`` (the prior proposer's one-step previews)."""
    expert: Callable[[gym.Env], Expert] | None = None
    """``expert(env)`` after a reset: a scripted expert for that episode (the ``expert`` proposer, ``bc-expert``)."""
    replay: Callable[[gym.Env, int, str, Iterable[Any]], Iterator[tuple[dict, str]]] | None = None
    """``replay(env, seed, instruction, actions)``: the verifier's verdict of a stored episode under any instruction."""
    exact_state_keys: bool = False
    """``info["state_key"]`` is equal only for equal simulator states, so loop erasure may use it."""
    steer: Callable[[gym.Env, Any], Any | None] | None = None
    """``steer(env, state_key)``: the action that moves the agent straight toward the place a state key of its own
    walk records, from its own pose, or None once there; nothing about objects, walls or the instruction (hindsight
    shortcuts, ``labels.shortcuts``). Needs exact state keys and ``Domain.replay``."""
    twin: Mapping[str, Any] | None = None
    """Env options that build the same tasks in another simulator (``sim2act bench transfer``), or None."""
    object_views: ObjectViews | None = None
    """Its envs annotate where named objects are in view (``info["object_view"]``), for the policy's view loss."""

    def resolve_level(self, level: str | None) -> str:
        """The canonical name of ``level`` (None: the default level); an unknown one is a one-line error."""
        return self.levels.resolve(level or self.levels.default)
