"""π0 for actions that name places in the image: score each cell against the instruction's noun phrases.

A ``pick_place`` action names two of N workspace cells; previewing all N² pairs (4,096 on the tabletop)
per step is out of reach, and a handful of uniform samples rarely holds a useful one. Like CLIPort's
semantic stream, this π0 reads where the instruction's phrases are in the current frame instead:

    π0(cell_d = c | o, ℓ) = softmax_c( cos(E_v(o)[pixel(c)], E_ℓ(phrase_d(ℓ))) / T ),

with E_v(o)[p] the prior's patch embedding at image position p (``ClipEmbedder.at_points``), trained on the
domain's region captions (``Domain.regions``), and phrase_d(ℓ) the noun phrase the domain reads off the
instruction for action dimension d (``Grammar.action_phrases``: "the red block" to pick, "the blue bowl" to
place); a dimension with no phrase is uniform. Dimensions are independent. This needs no simulator call.

``candidates`` > 0 adds previews ("cells+preview"): the ``candidates`` most likely actions under the cell
scores are simulated on a copy of the state, and π0 over them is the product of the two experts: the cell
probabilities times exp(cos(outcome frame, instruction) / T) (the preview proposer's score, ``PriorProposer``),
renormalised; each preview is counted in ``preview_steps``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces

from sim2act import features as F
from sim2act.actions.distributions import ActionDistribution, CandidateActions, MultiCategorical
from sim2act.errors import Sim2ActError
from sim2act.priors.threads import torch_threads
from sim2act.proposers.prior import PriorProposer, _merge_same_outcomes, _previewer


class CellPriorProposer(PriorProposer):
    """Proposes cells where the prior sees the instruction's phrases, optionally previewing the best few actions.

    ``cell_pixels``: each cell's (x, y) in the first camera as fractions of its width and height;
    ``action_phrases``: instruction → one phrase (or None) per action dimension; ``candidates``: actions
    previewed per step (0: none); ``subgoals``: instruction → its sub-goals in order (``Grammar.subgoals``),
    so that a sequence instruction ("stack the red, green and blue blocks into a tower") is proposed
    one sub-goal per step, the k-th step scoring the k-th sub-goal's phrases (the last one from then
    on): π0 follows the instruction's order, as a robot executing the plan would, without being told
    which sub-goals are done. Other arguments as ``PriorProposer``'s.
    """

    def __init__(
        self,
        action_space: gym.Space,
        prior,
        cell_pixels: Sequence[tuple[float, float]],
        action_phrases: Callable[[str], tuple[str | None, ...]],
        temperature: float | None = None,
        candidates: int = 0,
        threads: int | None = 1,
        camera: str = F.RGB,
        subgoals: Callable[[str], Sequence[str]] | None = None,
    ) -> None:
        if not isinstance(action_space, spaces.MultiDiscrete) or len(action_space.shape) != 1:
            raise Sim2ActError(f"π0's cell scoring needs a 1-D MultiDiscrete action space of cells, not {action_space}")
        if not cell_pixels or any(int(n) != len(cell_pixels) for n in action_space.nvec):
            raise Sim2ActError(
                f"π0's cell scoring needs every action dimension to name one of the {len(cell_pixels)} cells "
                f"the domain places in the image; the action space is {action_space}"
            )
        if candidates < 0:
            raise Sim2ActError(f"prior_candidates must be >= 0, got {candidates}")
        super().__init__(action_space, prior, temperature=temperature, candidates=candidates, threads=threads, camera=camera)
        self.points = torch.tensor(cell_pixels, dtype=torch.float32)
        self.action_phrases = action_phrases
        self.subgoals = subgoals
        self.name = "prior(cells+preview)" if candidates else "prior(cells)"
        self._steps: dict[int, int] = {}
        """Per slot, the steps executed in its episode: the sub-goal it proposes for."""

    def begin_episode(self, slot: int, env: gym.Env) -> None:
        super().begin_episode(slot, env)
        self._steps[slot] = 0

    def executed(self, slot: int, action) -> None:
        super().executed(slot, action)
        self._steps[slot] = self._steps.get(slot, 0) + 1

    @torch.no_grad()
    def distribution(self, observations, envs, slots) -> ActionDistribution:
        cells = self.cell_probabilities(observations, [self._steps.get(slot, 0) for slot in slots])
        if not self.candidates:
            return MultiCategorical(cells)
        actions = np.stack([_most_likely(row, self.candidates) for row in cells]).astype(self.action_space.dtype)
        previews = [_previewer(env)(list(a)) for env, a in zip(envs, actions)]
        self.preview_steps += sum(len(a) for a in actions)
        with torch_threads(self.threads):
            scores = self.scores(previews, [obs[F.INSTRUCTION] for obs in observations])
        chosen = np.take_along_axis(cells[:, None, :, :], actions[..., None].astype(np.int64), -1)[..., 0]  # (B, K, D)
        with np.errstate(divide="ignore"):
            cell_logits = torch.from_numpy(np.log(chosen).sum(-1))
        probs = torch.softmax(scores.double() / self.temperature + cell_logits, dim=-1).numpy()
        if self.merge_outcomes:
            probs = _merge_same_outcomes(probs, previews, self.camera)
        return CandidateActions(actions, probs)

    def phrases(self, instruction: str, stage: int = 0) -> tuple[str | None, ...]:
        """The phrase of each action dimension for the ``stage``-th step (or motion) of an episode of ``instruction``."""
        parts = list(self.subgoals(instruction)) if self.subgoals else []
        if len(parts) > 1:
            instruction = parts[min(stage, len(parts) - 1)]
        return self.action_phrases(instruction)

    def cell_probabilities(self, observations, stages: Sequence[int] | None = None) -> np.ndarray:
        """(B, D, N): per row and action dimension, π0's probability of each cell; ``stages``: each row's sub-goal
        index (``phrases``), 0 when not given."""
        frames = torch.from_numpy(np.stack([obs[self.camera] for obs in observations]))
        stages = stages if stages is not None else [0] * len(observations)
        with torch_threads(self.threads):
            grid = self.embedder.patch_grid(frames)
            patches = self.embedder.at_points(grid, self.points.expand(len(frames), -1, -1))  # (B, N, D)
            phrases = [self.phrases(obs[F.INSTRUCTION], stage) for obs, stage in zip(observations, stages)]
            dims, n = len(self.action_space.nvec), len(self.points)
            probs = np.full((len(frames), dims, n), 1.0 / n)
            named = sorted({p for row in phrases for p in row[:dims] if p is not None})
            if named:
                texts = dict(zip(named, self._embed_instructions(named)))
                for b, row in enumerate(phrases):
                    for d, phrase in enumerate(row[:dims]):
                        if phrase is not None:
                            logits = patches[b] @ texts[phrase] / self.temperature
                            probs[b, d] = torch.softmax(logits, dim=0).double().numpy()
        return probs


def _most_likely(probs: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` most likely actions (K, D) under independent per-dimension probabilities (D, N), by beam search."""
    beams: list[tuple[float, tuple[int, ...]]] = [(0.0, ())]
    with np.errstate(divide="ignore"):
        logs = np.log(probs)
    for row in logs:
        best = np.argsort(-row, kind="stable")[:k]
        beams = sorted(((score + row[c], cells + (int(c),)) for score, cells in beams for c in best),
                       key=lambda b: -b[0])[:k]
    return np.array([cells for _, cells in beams])
