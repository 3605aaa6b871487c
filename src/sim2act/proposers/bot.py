"""minigrid's BabyAIBot: a privileged expert, used only to build upper-bound baselines.

It reads the simulator's internal state, so it is never part of the self-supervised pipeline.
"""

from __future__ import annotations

import numpy as np
from minigrid.utils.baby_ai_bot import BabyAIBot, DisappearedBoxError

from sim2act.actions.distributions import ActionDistribution, Categorical
from sim2act.envs.grid.env import GridEnv
from sim2act.errors import Sim2ActError
from sim2act.proposers.base import Proposer


class BotProposer(Proposer):
    """The BabyAI bot's next action, as a one-hot distribution (grid domain only).

    Under a mixture, a random action can open a box, which destroys it; the bot then gives up on
    the episode and this proposer falls back to uniform actions there.
    """

    name = "bot"

    def __init__(self, action_space) -> None:
        super().__init__(action_space)
        self._bots: dict[int, BabyAIBot | None] = {}
        self._last_action: dict[int, int | None] = {}

    def begin_episode(self, slot, env) -> None:
        grid_env = env.unwrapped
        if not isinstance(grid_env, GridEnv):
            raise Sim2ActError("the 'bot' proposer only works in the grid domain (BabyAI levels)")
        self._bots[slot] = BabyAIBot(grid_env.level_env)
        self._last_action[slot] = None

    def distribution(self, observations, envs, slots) -> ActionDistribution:
        n = int(self.action_space.n)
        probs = np.full((len(slots), n), 1.0 / n)
        for row, slot in enumerate(slots):
            action = self._suggest(slot)
            if action is not None:
                probs[row] = 0.0
                probs[row, action] = 1.0
        return Categorical(probs)

    def _suggest(self, slot: int) -> int | None:
        bot = self._bots[slot]
        if bot is None:
            return None
        try:
            return int(bot.replan(self._last_action[slot]))
        except DisappearedBoxError:
            self._bots[slot] = None
            return None

    def executed(self, slot, action) -> None:
        self._last_action[slot] = int(action)
