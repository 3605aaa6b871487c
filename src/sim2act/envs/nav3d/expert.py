"""A scripted nav3d expert from privileged state: turn to face the way, walk, pick up (reference baselines only).

Each clause's object is found from the simulator's state; a walking-distance map to it (``planner``,
around walls, through doorways, around other objects) is computed once per clause. Each step the expert
tries the twelve headings it can reach by turning (30° apart), keeps those where one step forward gets
closer, scores each by the forward steps left from where it lands plus a fraction of the turns it costs,
and turns toward the best or steps forward.
"""

from __future__ import annotations

import math

from sim2act.envs.nav3d import language as L
from sim2act.envs.nav3d.env import ACTION_NAMES
from sim2act.envs.nav3d.levels import next_to_targets
from sim2act.envs.nav3d.planner import BODY, FloorGrid
from sim2act.envs.nav3d.predicates import current_things

TURN_LEFT, TURN_RIGHT, FORWARD, PICKUP = (ACTION_NAMES.index(a) for a in ("turn_left", "turn_right", "forward", "pickup"))
HEADINGS = 12
GRASP_REACH = 0.3
"""Metres beyond touching from which the expert picks an object up (Miniworld's pickup reaches ~0.6 m ahead)."""
FACING = math.radians(20)
TURN_WEIGHT = 0.25
"""What a turn costs against a forward step when choosing a heading: below 1, as a turn now saves turns later."""
"""The expert picks up once the object is this close to straight ahead."""


class Nav3DExpert:
    """Follows the episode's instruction, clause by clause, on privileged state."""

    def __init__(self, env) -> None:
        self.env = env.unwrapped
        self.world = self.env.world
        self.grid = FloorGrid(self.env.layout.rooms, self.env.layout.doors)
        self._maps: dict[tuple[str, int], tuple] = {}
        self._last_pos = None
        self._visits: dict[tuple[int, int], int] = {}
        """Times the agent stood on each 0.2-m spot: where no step gets closer, it prefers spots seen least."""

    def act(self, last_action) -> int | None:
        clauses = L.subgoals(self.env.layout.instruction)
        done = self.env.clauses_done
        if done >= len(clauses):
            return None
        clause = clauses[done]
        index = self._target(clause)
        if index is None:
            return None
        world, entity = self.world, self.world.things[index]
        picking = L.instruction_type(clause) == "pick up"
        if picking and self._facing_within_grasp(entity):
            return PICKUP
        within = entity.radius + world.agent.radius + GRASP_REACH if picking else 0.9 * world.reach(entity)
        distance = self._distance_map(clause, index, within)
        x, z = float(world.agent.pos[0]), float(world.agent.pos[2])
        if picking and self.grid.at(distance, x, z) == 0.0:
            turn = world.heading_to(entity.pos[0], entity.pos[2])
            return TURN_LEFT if turn > 0 else TURN_RIGHT
        stuck = last_action == FORWARD and self._last_pos == (x, z)
        self._last_pos = (x, z)
        spot = (round(x / 0.2), round(z / 0.2))
        self._visits[spot] = self._visits.get(spot, 0) + 1
        return self._best_move(distance, x, z, stuck)

    def _best_move(self, distance, x: float, z: float, stuck: bool) -> int:
        world = self.world
        step, turn = world.max_forward_step, math.radians(world.params.get_max("turn_step"))
        here = self.grid.at(distance, x, z)
        best, best_cost = FORWARD, math.inf
        for closer_only in (True, False):  # a step that gets closer, else the least visited step that stays near
            for k in range(-HEADINGS // 2 + 1, HEADINGS // 2 + 1):
                heading = world.agent.dir + k * turn
                nx, nz = x + step * math.cos(heading), z - step * math.sin(heading)
                if (stuck and k == 0) or world.intersect(world.agent, (nx, 0.0, nz), world.agent.radius):
                    continue
                left = self.grid.at(distance, nx, nz)
                if closer_only and left >= here:
                    continue
                cost = TURN_WEIGHT * abs(k) + min(left, here + 2 * step) / step
                if not closer_only:
                    cost += 2 * self._visits.get((round(nx / 0.2), round(nz / 0.2)), 0)
                if cost < best_cost:
                    best, best_cost = k, cost
            if best_cost < math.inf:
                break
        if best_cost == math.inf:
            return TURN_LEFT
        return FORWARD if best == 0 else (TURN_LEFT if best > 0 else TURN_RIGHT)

    def _facing_within_grasp(self, entity) -> bool:
        world = self.world
        ahead = world.agent.pos + world.agent.dir_vec * 1.5 * world.agent.radius
        return world.intersect(world.agent, ahead, 1.2 * world.agent.radius) is entity and \
            abs(world.heading_to(entity.pos[0], entity.pos[2])) <= FACING

    def _distance_map(self, clause: str, index: int, within: float):
        """Walking distances to the clause's object around the others, kept ``BODY`` from them; where that leaves
        no way, only the agent's radius (Miniworld's own collision test), then through them."""
        key = (clause, index)
        if key not in self._maps:
            world = self.world
            goal = (float(world.things[index].pos[0]), float(world.things[index].pos[2]))
            others = [e for i, e in enumerate(world.things) if i != index and e is not world.agent.carrying]
            x, z = float(world.agent.pos[0]), float(world.agent.pos[2])
            for body in (BODY, world.agent.radius, None):
                obstacles = [(float(e.pos[0]), float(e.pos[2]), e.radius + body) for e in others] if body else []
                distance = self.grid.distances(goal, within, obstacles)
                if self.grid.at(distance, x, z) < math.inf:
                    break
            self._maps[key] = distance
        return self._maps[key]

    def _target(self, clause: str) -> int | None:
        """The index of the object a clause is about (its colour and kind, or the next-to relation)."""
        things = current_things(self.world)
        if L.instruction_type(clause) == "go to next to":
            described = {L.go_to_next_to(*key): target for key, target in next_to_targets(things).items()}
            target = described.get(clause)
            return None if target is None else things.index(target)
        for i, thing in enumerate(things):
            if clause.endswith(thing.name):
                return i
        return None
