"""The nav3d env: first-person navigation in Farama Miniworld rooms, following language instructions."""

from __future__ import annotations

import dataclasses
import math
import string
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from sim2act import features as F
from sim2act.envs.nav3d import language as L
from sim2act.envs.nav3d import predicates
from sim2act.envs.nav3d.geometry import turn_to
from sim2act.envs.nav3d.levels import FOV_DEGREES, LEVELS, Layout, in_view, sample_layout
from sim2act.errors import Sim2ActError

ACTION_SETS = {
    "all": ("turn_left", "turn_right", "forward", "pickup"),
    "move": ("turn_left", "turn_right", "forward"),
    "move-back": ("turn_left", "turn_right", "forward", "back"),
}
"""The ``actions`` option's choices: ``move`` is the set of Miniworld's own navigation envs (OneRoom, Hallway, Maze…),
``move-back`` adds its step back."""
ACTION_NAMES = ACTION_SETS["all"]
"""The turns and the forward step have the same index in every set, so the expert and steering use these; pick up
(index 3 here) is in ``all`` only, which every level that needs it requires."""
MINIWORLD_ACTIONS = {"turn_left": 0, "turn_right": 1, "forward": 2, "back": 3, "pickup": 4}
"""Miniworld's action ids (its drop, toggle and done are not used)."""
MOVES = ("forward", "back")
"""The actions that translate the agent: odometry says when one did not move it."""
CARRYING_NAMES = (*(f"carrying_{k}" for k in L.OBJECTS), *(f"carrying_{c}" for c in L.COLORS))
ODOMETRY_NAMES = ("last_step_blocked",)
"""Proprio added by the ``odometry`` option."""
INSTRUCTION_CHARSET = string.ascii_lowercase + " ,"
STATE_KEY_DECIMALS = 4
"""Decimals of the pose in the state key: a pose repeats exactly up to float rounding (turns that cancel, a closed
walk), and two poses within 0.1 mm or 0.0001 rad are the same for every purpose here."""
FOV_RANGE = (30.0, 150.0)
"""Degrees the ``fov`` option may take."""
DEPTH_LIMIT = 30.0
"""Metres the depth observation is clipped to (the largest floor plan is ~14 m across)."""
OBJECT_PARTS = tuple((color, kind) for color in L.COLORS for kind in L.OBJECTS)
OBJECT_SLOTS = tuple(L.phrase(color, kind) for color, kind in OBJECT_PARTS)
VIEW_BINS = 5
"""Columns of the camera's width in ``info["object_view"]``."""


class Nav3DEnv(gym.Env):
    """Rooms of coloured boxes, balls and keys in Farama Miniworld, seen through a first-person camera.

    ## Description
    The agent walks through one or more rooms (Miniworld's 3D engine, rendered headless through EGL) and
    must follow a language instruction about the objects in them. The floor plan, the objects, the start
    pose and the instruction are a pure function of the reset seed (``levels``).

    ## Mission Space
    ``goto``: "go to the red box" (one room, 3–6 objects); ``goto-nextto``: "go to the ball next to the
    blue key" (the one object of that kind within 1.6 m of the reference, with another of its kind
    elsewhere); ``pickup``: "pick up the green box"; ``goto-seq``: "go to the red ball, then go to the blue
    key" (2–4 connected rooms); ``search``: "go to the red box" in a maze of 3×3 rooms, the target out of
    view at the start. Colours: red, green, blue, purple, yellow, grey; objects: box, ball, key.

    ## Action Space
    ``Discrete(4)``: turn left 30°, turn right 30°, move forward 0.4 m, pick up (the object in front,
    within reach). Miniworld's move back, drop, toggle and done are left out: no level needs them. With
    ``actions="move"``, ``Discrete(3)``: the turns and the step, as Miniworld's own navigation envs have; with
    ``actions="move-back"``, ``Discrete(4)``: those and Miniworld's step back (0.4 m).

    ## Observation Space
    ``rgb``: the camera frame (``image_size``² × 3 uint8, ``fov``° field of view, 1.2 m above the floor, tilted
    25° down so an object stays in view as the agent reaches it);
    ``depth`` (with ``depth=True``): metres from the camera, float32, clipped at 30; ``proprio``:
    float32[15] (14 with ``actions="move"``): heading as sin and cos, the last action one-hot (zeros at the start),
    the carried object's kind and colour one-hot, then with ``odometry`` 1 if the last action was a step (forward, or
    back) that did not move the agent (a wall or an object's collision circle stopped it) and 0 otherwise; ``instruction``.

    ## Rewards
    BabyAI's: ``1 - 0.9 * steps / max_steps`` on success, else 0 (the RL baselines learn from it; sim2act
    reads ``info["success"]``).

    ## Info
    ``instruction``; ``success``: the verifier (``predicates``, from simulator state) holds every clause
    done in order: within reach of the object (Miniworld's ``near``) or carrying it; ``achieved``:
    instructions in the level's forms that became true on this step (hindsight labels); ``object_view`` (privileged,
    a training annotation): for each (colour, object) of ``OBJECT_SLOTS``, the column of the camera's width it is
    seen in, 1..``VIEW_BINS`` left to right, or 0 when it is out of view, behind a wall, carried or not in the world.

    ## Episode End
    Terminates on success; truncates after the level's ``max_steps``.

    ## Preview
    ``preview(actions)`` returns the observation each action would lead to from the current state and
    leaves the env untouched (agent pose, carried object, objects, counters and RNG are restored).

    ## Options
    ``image_size`` (pixels a side, 64), ``depth`` (True), ``fov`` (the camera's field of view in degrees, 60;
    90 is a wide-angle camera's: a 30° turn keeps in view what was 15° off centre, objects are drawn 0.58× as large),
    ``kind_goals`` (False; True: on the levels whose hindsight labels are "go to" clauses, reaching an object also
    achieves "go to the KIND", listed after its full description, so hindsight names an object of a held-out pair
    by its kind instead of passing it by; the verifier accepts such an instruction in replays), ``odometry`` (False;
    True: proprio also says whether the last step (forward, or back) was blocked, as a robot's wheel odometry or bump sensor
    would: from pixels alone a blocked step looks like a repeated frame, and a loop-erased path keeps the step that
    left a blocked pose, never the push itself), ``actions`` ("all"; "move": no pick up, on the levels no instruction
    of which needs one: a go-to policy cannot learn to lift what blocks its way and then stand stuck holding it;
    "move-back": "move" and a step back, so an agent stopped by an object's collision circle can back off and pass
    it at a smaller turn, the target still in view),
    ``slide`` (False: Miniworld's own motion, a forward step that would enter a wall or an object's collision circle
    is refused whole; True: it moves along what stopped it instead, the part of the step into it dropped, as a bumper
    robot follows an obstacle and Habitat's ``allow_sliding`` moves its agent; a step straight into it stays blocked).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self, level: str, image_size: int = 64, depth: bool = True, fov: float = FOV_DEGREES, kind_goals: bool = False,
        odometry: bool = False, actions: str = "all", slide: bool = False, render_mode: str | None = None,
    ) -> None:
        if not 16 <= _number(image_size, "image_size", int) <= 256:
            raise Sim2ActError(f"image_size must lie in [16, 256] pixels, got {image_size}")
        if not FOV_RANGE[0] <= _number(fov, "fov", float) <= FOV_RANGE[1]:
            raise Sim2ActError(f"fov must lie in [{FOV_RANGE[0]:g}, {FOV_RANGE[1]:g}] degrees, got {fov}")
        if not isinstance(kind_goals, bool):
            raise Sim2ActError(f"nav3d option kind_goals must be true or false, got {kind_goals!r}")
        if not isinstance(odometry, bool):
            raise Sim2ActError(f"nav3d option odometry must be true or false, got {odometry!r}")
        if not isinstance(slide, bool):
            raise Sim2ActError(f"nav3d option slide must be true or false, got {slide!r}")
        if actions not in ACTION_SETS:
            raise Sim2ActError(f"nav3d option actions must be one of {', '.join(ACTION_SETS)}, got {actions!r}")
        if "pickup" not in ACTION_SETS[actions] and "pick up" in LEVELS[level].achieved_forms:
            raise Sim2ActError(f"nav3d level {level} needs pick up: option actions must be 'all' there, got {actions!r}")
        from sim2act.envs.nav3d.world import NavWorld  # opens an OpenGL context: only when an env is built

        self.level, self.spec_level = level, LEVELS[level]
        self.image_size, self.use_depth, self.render_mode = int(image_size), bool(depth), render_mode
        self.fov = float(fov)
        """The camera's field of view in degrees, horizontal and vertical."""
        self.kind_goals = kind_goals
        """Whether "go to the KIND" (any object of that kind) is a fact, for hindsight labels."""
        self._forms = self.spec_level.achieved_forms + (("go to kind",) if kind_goals and "go to" in
                                                          self.spec_level.achieved_forms else ())
        self.max_steps = self.spec_level.max_steps
        self.world = NavWorld(self.image_size, self.max_steps, self.fov, slide)
        """The Miniworld env underneath (privileged: for the verifier, captions and the scripted expert)."""
        self.layout: Layout | None = None
        self.action_names = ACTION_SETS[actions]
        self.action_space = spaces.Discrete(len(self.action_names))
        side = self.image_size
        observation = {F.RGB: spaces.Box(0, 255, (side, side, 3), np.uint8)}
        if self.use_depth:
            observation[F.DEPTH] = spaces.Box(0.0, DEPTH_LIMIT, (side, side), np.float32)
        self.proprio_names = ("heading_sin", "heading_cos", *(f"last_{a}" for a in self.action_names), *CARRYING_NAMES,
                              *(ODOMETRY_NAMES if odometry else ()))
        low = np.array([-1.0, -1.0] + [0.0] * (len(self.proprio_names) - 2), np.float32)
        observation[F.PROPRIO] = spaces.Box(low, np.ones(len(self.proprio_names), np.float32))
        observation[F.INSTRUCTION] = spaces.Text(512, charset=INSTRUCTION_CHARSET)
        self.observation_space = spaces.Dict(observation)
        self.annotation_space = spaces.Dict({F.OBJECT_VIEW: spaces.Box(0, VIEW_BINS, (len(OBJECT_SLOTS),), np.int8)})
        """Privileged per-step annotations in ``info`` (not observations)."""
        self.odometry = odometry
        self._steps, self._last_action, self._blocked = 0, None, False
        self._facts: set[str] = set()
        self._progress = predicates.Progress([])
        self._frame: np.ndarray | None = None
        self._depth: np.ndarray | None = None

    # -- episode --------------------------------------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        rng = np.random.default_rng(seed) if seed is not None else self.np_random
        self.layout = sample_layout(self.level, rng)
        self._frame = self.world.build(self.layout, seed)
        self._depth = self._read_depth()
        self._steps, self._last_action, self._blocked = 0, None, False
        self._facts = predicates.facts(self.world, self.kind_goals)
        self._progress = predicates.Progress(L.subgoals(self.layout.instruction))
        self._progress.advance(self._facts)
        return self._observation(), self._info(False, [])

    def step(self, action):
        action = int(np.asarray(action).reshape(-1)[0])
        if not 0 <= action < len(self.action_names):
            raise Sim2ActError(f"nav3d action {action} is outside [0, {len(self.action_names)})")
        before = self.world.agent.pos.copy()
        self._frame, _, _, _, _ = self.world.step(MINIWORLD_ACTIONS[self.action_names[action]])
        self._blocked = self.action_names[action] in MOVES and bool(np.array_equal(before, self.world.agent.pos))
        self._depth = self._read_depth()
        self._steps += 1
        self._last_action = action
        facts = predicates.facts(self.world, self.kind_goals)
        achieved = predicates.achieved(self._facts, facts, self._progress, self._forms)
        self._facts = facts
        success = self._progress.advance(facts)
        truncated = not success and self._steps >= self.max_steps
        reward = 1.0 - 0.9 * self._steps / self.max_steps if success else 0.0
        return self._observation(), reward, success, truncated, self._info(success, achieved)

    @property
    def clauses_done(self) -> int:
        """How many of the instruction's clauses are done, in order (privileged: the scripted expert's)."""
        return self._progress.done

    def set_instruction(self, instruction: str) -> dict[str, Any]:
        """Follow ``instruction`` instead of the episode's from now on (replays); the observation with it."""
        self.layout = dataclasses.replace(self.layout, instruction=instruction)
        self._progress = predicates.Progress(L.subgoals(instruction))
        self._progress.advance(self._facts)
        return self._observation()

    def preview(self, actions: Sequence[Any]) -> list[dict[str, Any]]:
        """The observation each action would lead to from the current state; the env itself does not move."""
        saved = self._save()
        observations = []
        for action in actions:
            observations.append(self.step(action)[0])
            self._restore(saved)
        return observations

    # -- state ----------------------------------------------------------------------------------------

    def _save(self) -> tuple:
        w = self.world
        entities = [(e, e.pos.copy(), e.dir) for e in w.entities]
        ours = (self._steps, self._last_action, self._blocked, set(self._facts), self._progress.copy(), self._frame,
                self._depth)
        return (w.agent.pos.copy(), w.agent.dir, w.agent.carrying, w.step_count, entities,
                w.np_random.bit_generator.state, ours)

    def _restore(self, saved: tuple) -> None:
        w = self.world
        pos, direction, carrying, count, entities, rng_state, ours = saved
        w.agent.pos, w.agent.dir, w.agent.carrying, w.step_count = pos.copy(), direction, carrying, count
        for entity, entity_pos, entity_dir in entities:
            entity.pos, entity.dir = entity_pos.copy(), entity_dir
        w.np_random.bit_generator.state = rng_state
        self._steps, self._last_action, self._blocked, facts, progress, self._frame, self._depth = ours
        self._facts, self._progress = set(facts), progress.copy()

    # -- observation ----------------------------------------------------------------------------------

    def _observation(self) -> dict[str, Any]:
        w = self.world
        proprio = np.zeros(len(self.proprio_names), np.float32)
        proprio[0], proprio[1] = math.sin(w.agent.dir), math.cos(w.agent.dir)
        if self._last_action is not None:
            proprio[2 + self._last_action] = 1.0
        carried = w.agent.carrying
        if carried is not None:
            thing = self.layout.things[w.things.index(carried)]
            carrying = 2 + len(self.action_names)
            proprio[carrying + L.OBJECTS.index(thing.kind)] = 1.0
            proprio[carrying + len(L.OBJECTS) + L.COLORS.index(thing.color)] = 1.0
        if self.odometry:
            proprio[-1] = float(self._blocked)
        obs = {F.RGB: np.ascontiguousarray(self._frame)}
        if self.use_depth:
            obs[F.DEPTH] = self._depth
        obs[F.PROPRIO] = proprio
        obs[F.INSTRUCTION] = self.layout.instruction
        return obs

    def _read_depth(self) -> np.ndarray | None:
        """The depth of the frame just rendered (read before anything renders again)."""
        return np.minimum(self.world.depth(), DEPTH_LIMIT) if self.use_depth else None

    def _info(self, success: bool, achieved: list[str]) -> dict[str, Any]:
        return {F.INFO_INSTRUCTION: self.layout.instruction, F.INFO_SUCCESS: bool(success), F.INFO_ACHIEVED: achieved,
                F.INFO_STATE_KEY: self._state_key(), F.INFO_OBJECT_VIEW: self._object_view()}

    def _object_view(self) -> np.ndarray:
        w, layout = self.world, self.layout
        pose = w.pose()
        half = math.radians(self.fov) / 2
        view = np.zeros(len(OBJECT_SLOTS), np.int8)
        for thing, entity in zip(layout.things, w.things):
            point = (float(entity.pos[0]), float(entity.pos[2]))
            if entity is w.agent.carrying or not in_view(pose, point, layout.rooms, layout.doors, self.fov):
                continue
            across = (half - turn_to(pose, point)) / (2 * half)  # 0 at the left edge, 1 at the right
            view[OBJECT_SLOTS.index(thing.name)] = 1 + min(VIEW_BINS - 1, int(across * VIEW_BINS))
        return view

    def _state_key(self) -> tuple:
        agent = self.world.agent
        carried = self.world.things.index(agent.carrying) if agent.carrying is not None else -1
        heading = round(agent.dir % (2 * math.pi), STATE_KEY_DECIMALS) % round(2 * math.pi, STATE_KEY_DECIMALS)
        return (round(float(agent.pos[0]), STATE_KEY_DECIMALS), round(float(agent.pos[2]), STATE_KEY_DECIMALS), heading,
                carried, self._progress.done, len(self._progress.reached))

    def render(self):
        return self.world.render_obs()

    def close(self):
        self.world.close()


def _number(value: Any, name: str, kind: type) -> float:
    """``value`` as ``kind`` (an env option); anything else is a one-line ``Sim2ActError``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and value != int(value)):
        raise Sim2ActError(f"nav3d option {name} must be a{'n integer' if kind is int else ' number'}, got {value!r}")
    return kind(value)
