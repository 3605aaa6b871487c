"""minigrid's BabyAIBot as the grid's scripted expert (``Domain.expert``): privileged, for reference baselines only."""

from __future__ import annotations

import gymnasium as gym
from minigrid.utils.baby_ai_bot import BabyAIBot, DisappearedBoxError


class BabyAIExpert:
    """The BabyAI bot for one episode of a ``GridEnv``, started after its reset.

    Under a mixture, a random action can open a box, which destroys it; the bot then gives up on
    the episode (``act`` returns None from then on).
    """

    def __init__(self, env: gym.Env) -> None:
        self._bot: BabyAIBot | None = BabyAIBot(env.unwrapped.level_env)

    def act(self, last_action: int | None) -> int | None:
        if self._bot is None:
            return None
        try:
            return int(self._bot.replan(last_action))
        except DisappearedBoxError:
            self._bot = None
            return None
