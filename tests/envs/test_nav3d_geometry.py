"""nav3d floor plans: mazes of rooms, where one can walk and see, and the expert's walking distances."""

import math

import numpy as np

from sim2act.envs.nav3d.geometry import GAP, grid_rooms, line_of_sight, spanning_doors, walkable
from sim2act.envs.nav3d.planner import FloorGrid


def _connected(count: int, doors) -> bool:
    reached, frontier = {0}, [0]
    while frontier:
        room = frontier.pop()
        for door in doors:
            for a, b in ((door.a, door.b), (door.b, door.a)):
                if a == room and b not in reached:
                    reached.add(b)
                    frontier.append(b)
    return len(reached) == count


def test_spanning_doors_make_a_maze_of_neighbouring_rooms():
    rooms = grid_rooms(3, 3, 4.0)
    for seed in range(10):
        doors = spanning_doors(np.random.default_rng(seed), rooms)
        assert len(doors) == len(rooms) - 1 and _connected(len(rooms), doors)
        for door in doors:
            a, b = rooms[door.a], rooms[door.b]
            gap = (b.min_x - a.max_x) if door.along_x else (b.min_z - a.max_z)
            assert math.isclose(gap, GAP)


def test_walls_block_sight_and_doorways_let_it_through():
    rooms = grid_rooms(2, 1, 5.0)
    doors = spanning_doors(np.random.default_rng(0), rooms)
    corridor = doors[0].corridor
    middle = (corridor.min_z + corridor.max_z) / 2
    assert line_of_sight((2.5, middle), (8.5, middle), rooms, doors)  # straight through the doorway
    wall_z = 0.2 if corridor.min_z > 1.0 else 4.8
    assert not line_of_sight((2.5, wall_z), (8.5, wall_z), rooms, doors)  # through the wall beside it
    assert walkable(5.5, middle, rooms, doors) and not walkable(5.5, wall_z, rooms, doors)
    assert walkable(np.array([1.0, 5.5]), np.array([1.0, wall_z]), rooms, doors).tolist() == [True, False]


def test_walking_distances_go_round_walls_and_obstacles():
    rooms = grid_rooms(2, 1, 5.0)
    doors = spanning_doors(np.random.default_rng(0), rooms)
    grid = FloorGrid(rooms, doors)
    distance = grid.distances((8.5, 2.5), 0.5, obstacles=[])
    straight = math.dist((1.0, 2.5), (8.5, 2.5)) - 0.5
    assert straight - 0.2 <= grid.at(distance, 1.0, 2.5) < straight + 3.0
    blocked = grid.distances((8.5, 2.5), 0.5, obstacles=[(3.0, 2.5, 1.0)])
    assert grid.at(blocked, 1.0, 2.5) > grid.at(distance, 1.0, 2.5)
    assert grid.at(distance, -5.0, 2.5) == math.inf
