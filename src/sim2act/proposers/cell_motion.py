"""π0 for continuous control over a workspace of cells: choose cells by the prior's scores, then move there.

In a continuous action mode the prior cannot score every action, and scoring sampled ones by their previewed
outcome frames does not find a grasp (``README``: 0 of 64 in ``ee_delta`` pick). Where the domain says how a
chosen pair of cells is carried out (``Domain.cell_motions``: "pick at cell i, place at cell j" as a closed-loop
motion read from proprio and depth), π0 chooses the pair as in ``pick_place`` (``CellPriorProposer``: the
prior's patch embedding at each cell against the instruction's phrases, a softmax per dimension) and proposes
the motion's actions step by step until it ends; then it chooses again on the frame it has come to. Each choice
is drawn from the cell probabilities with a generator seeded by the frame, so a shard stays a function of its
config. No simulator call: ``preview_steps`` stays 0.
"""

from __future__ import annotations

from collections.abc import Callable

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from sim2act.actions.distributions import ActionDistribution, CandidateActions, MultiCategorical
from sim2act.errors import Sim2ActError
from sim2act.proposers.base import Proposer
from sim2act.proposers.cell_prior import CellPriorProposer
from sim2act.proposers.prior import frame_rng


class CellMotionProposer(Proposer):
    """Proposes the actions of a motion to the cells where the prior sees the instruction's phrases.

    ``scorer`` scores the (pick, place) cells (a ``CellPriorProposer`` over their ``MultiDiscrete([N, N])``);
    ``start(pick, place, observation)`` begins a motion (``CellMotions.start``).
    """

    def __init__(self, action_space: gym.Space, scorer: CellPriorProposer, start: Callable) -> None:
        if not isinstance(action_space, spaces.Box):
            raise Sim2ActError(f"π0's cell motions act in a Box action space, not {action_space}")
        super().__init__(action_space)
        self.scorer = scorer
        self.start = start
        self.camera = scorer.camera
        self.name = "prior(cell motions)"
        self._motions: dict[int, object] = {}
        self._started: dict[int, int] = {}
        """Per slot, the motions begun in its episode: the sub-goal the next one is for."""

    def begin_episode(self, slot: int, env: gym.Env) -> None:
        self._motions.pop(slot, None)
        self._started[slot] = 0

    def distribution(self, observations, envs, slots) -> ActionDistribution:
        actions: list[np.ndarray | None] = [None] * len(slots)
        for i, slot in enumerate(slots):
            if slot in self._motions:
                actions[i] = self._motions[slot].act(observations[i])
        todo = [i for i, action in enumerate(actions) if action is None]
        if todo:
            stages = [self._started.get(slots[i], 0) for i in todo]
            cells = MultiCategorical(self.scorer.cell_probabilities([observations[i] for i in todo], stages))
            for row, i in enumerate(todo):
                rng = frame_rng(observations[i], self.camera)
                pick, place = (int(c) for c in MultiCategorical(cells.probs[row : row + 1]).sample(rng)[0])
                motion = self.start(pick, place, observations[i])
                self._motions[slots[i]] = motion
                self._started[slots[i]] = self._started.get(slots[i], 0) + 1
                actions[i] = motion.act(observations[i])
                if actions[i] is None:
                    raise Sim2ActError(f"a cell motion from cell {pick} to cell {place} proposed no action")
        chosen = np.stack([np.asarray(a, self.action_space.dtype) for a in actions])
        return CandidateActions(chosen[:, None], np.ones((len(slots), 1)))
