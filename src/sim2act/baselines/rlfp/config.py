"""``RLFPConfig``: everything that determines an RLFP run (the output folder does not)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sim2act.envs import check_env_options, get_domain
from sim2act.errors import Sim2ActError
from sim2act.validation import check_above_zero, check_positive


@dataclass(frozen=True)
class RLFPConfig:
    """RL with foundation priors (Ye et al., 2023), discrete or continuous actions; see ``sim2act.baselines.rlfp``."""

    domain: str = "grid"
    """Simulator domain."""
    level: str | None = None
    """Level of the domain (None: its default); training draws its tasks from the train split."""
    env: dict[str, Any] = field(default_factory=dict)
    """Env options passed to the domain's build (``sim2act.envs.make``)."""
    prior: str = ""
    """π0: a ``sim2act pretrain-prior`` folder (the bench method pretrains one as the loop does)."""
    prior_mode: str = "preview"
    """How π0 proposes (``sim2act.proposers.PRIOR_MODES``), as in ``sim2act run``."""
    prior_temperature: float | None = None
    """Softmax temperature of π0's scores (None: the prior's own)."""
    reuse_previews: bool = False
    """Reuse π0's scores of a state an episode comes back to (domains with exact state keys)."""
    simulator_steps: int = 200_000
    """Budget: training stops once executed env steps + π0's previews + ``prior_env_steps`` reach it."""
    prior_env_steps: int = 0
    """Env steps that collected π0's pretraining frames: counted from the start, as for Sim2Act."""
    n_envs: int = 8
    """Envs stepped together in this process."""
    seed: int = 0
    """Seed of initialisation, of sampling and of the training tasks."""
    torch_threads: int = 1
    """Intra-op threads of torch while training."""

    success_reward: float = 100.0
    """Success prior: reward λ of the verifier's success (the paper's λ = 100)."""
    value_shaping: float = 1.0
    """Value prior: weight of the potential-based shaping γ·V(o′) − V(o), V = π0's scaled frame–instruction similarity."""
    prior_kl: float = 1.0
    """Policy prior: weight of KL(π_θ ‖ π0) in the actor loss."""
    success_kl: float = 1.0
    """Weight of the success buffer's imitation term (−log π_θ of its actions) in the actor loss."""
    warm_start_episodes: int = 64
    """The first episodes act with π0 alone (the paper's warm start)."""
    q_filter: bool = True
    """Act with whichever of the actor's and π0's sampled actions the critic values higher."""

    gamma: float = 0.99
    """Discount factor."""
    n_step: int = 3
    """Steps of the n-step return of the critic's target."""
    learning_rate: float = 3e-4
    """Adam learning rate of actor and critic."""
    batch_size: int = 128
    """Minibatch size of each update (and of the success buffer's imitation batch)."""
    buffer_size: int = 50_000
    """Replay transitions kept (each holds one image: mind the memory)."""
    learning_starts: int = 1_000
    """Executed env steps before updates start."""
    updates_per_step: float = 0.25
    """Gradient updates per executed env step (the update-to-data ratio)."""
    tau: float = 0.01
    """Polyak coefficient of the target critics."""
    entropy: float = 0.01
    """Discrete actions: weight of the actor's entropy bonus (fixed: the KL to π0 already keeps it from collapsing)."""
    noise_start: float = 1.0
    """Box actions: DrQ-v2's exploration std at the start (also the std of the Gaussian policy in the KL terms)."""
    noise_end: float = 0.1
    """Box actions: the exploration std once ``noise_steps`` executed steps are done."""
    noise_steps: int = 20_000
    """Box actions: executed env steps over which the std falls linearly from ``noise_start`` to ``noise_end``."""
    noise_clip: float = 0.3
    """Box actions: the clip of the target policy's smoothing noise in the critic's target."""
    shift_pixels: int = 0
    """DrQ's random-shift augmentation: pad and crop by up to this many pixels (0: none; it breaks
    cell-aligned frames such as the grid's)."""
    features_dim: int = 128
    """Features of the encoder (``FiLMExtractor``) that actor and critic share."""
    channels: int = 32
    """Convolution channels of the encoder."""
    cell_stem: str = "conv"
    """Cell features of the encoder: ``conv`` (BabyAI's cell convolution) or ``factored`` (sim2act's colour + form stem)."""

    def validated(self) -> RLFPConfig:
        """Check the numbers and canonicalise names; bad input is a one-line ``Sim2ActError``."""
        from sim2act.baselines.extractor import check_cell_stem
        from sim2act.proposers import check_prior_options

        check_cell_stem(self.cell_stem)
        level = get_domain(self.domain).resolve_level(self.level)
        check_env_options(self.domain, level, self.env)
        check_prior_options(self.prior_mode, None, 1, flags=False)
        if not self.prior:
            raise Sim2ActError("RLFP needs a prior π0 (prior = a `sim2act pretrain-prior` folder)")
        positive = ("simulator_steps", "n_envs", "torch_threads", "n_step", "batch_size", "buffer_size", "features_dim",
                    "channels")
        check_positive(self, positive, flags=False)
        if not 0 < self.gamma <= 1 or not 0 < self.tau <= 1:
            raise Sim2ActError(f"need gamma and tau in (0, 1], got {self.gamma} and {self.tau}")
        negative = [name for name in ("success_reward", "value_shaping", "prior_kl", "success_kl", "entropy", "updates_per_step",
                                      "learning_starts", "warm_start_episodes", "shift_pixels", "prior_env_steps", "noise_clip",
                                      "noise_steps") if getattr(self, name) < 0]
        if negative or self.learning_rate <= 0:
            raise Sim2ActError(f"RLFP fields must not be negative (learning_rate positive): {', '.join(negative) or 'learning_rate'}")
        if min(self.noise_start, self.noise_end) <= 0:
            raise Sim2ActError(f"need noise_start and noise_end > 0, got {self.noise_start} and {self.noise_end}")
        if self.prior_temperature is not None:
            check_above_zero(self.prior_temperature, "prior_temperature")
        return RLFPConfig(**{**asdict(self), "level": level, "env": dict(self.env)})
