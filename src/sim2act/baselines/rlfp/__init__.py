"""RLFP, RL with foundation priors (Ye et al., "Reinforcement Learning with Foundation Priors", CoRL 2024), on sim2act.

The paper's Foundation Actor-Critic is DrQ-v2 with three priors: a **policy prior** the actor is
regularised toward (a KL term), acts with during a warm start and competes with at act time (the
critic picks the better of the two sampled actions); a **value prior** giving potential-based shaping
γ·V(s′) − V(s); a **success prior**, a 0/1 reward weighted λ = 100, whose successful episodes fill a buffer
the actor also imitates. Here the policy prior is sim2act's frozen π0 (its action distribution as it
proposes in ``sim2act run``, previews counted), the value prior π0's frame–instruction similarity (a
stand-in for VIP, which needs a goal image) and the success prior the domain's verifier.

Two agents, one training loop (``train``). In Box action spaces (the tabletop's ``ee_delta``) it is
DrQ-v2's (``continuous_agent``): a deterministic actor with scheduled exploration noise, the policy a
Gaussian N(μ(o), σ²), so the KL to π0's Gaussian around its action is ‖μ − a₀‖²/2σ². In the discrete
spaces (the grid, 3D navigation, the tabletop's ``pick_place`` cells) the actor–critic takes the discrete
soft actor–critic form (``agent``: exact expectations over actions, a fixed entropy weight), which differs
from the paper; the rest (random shifts, clipped double Q, n-step returns, an encoder trained by the
critic alone) is DrQ-v2's in both.
"""

from sim2act.baselines.rlfp.config import RLFPConfig
from sim2act.baselines.rlfp.proposer import RLFPProposer, load_rlfp
from sim2act.baselines.rlfp.train import RLFPRun, resumable_env_steps, train_rlfp

__all__ = ["RLFPConfig", "RLFPProposer", "RLFPRun", "load_rlfp", "resumable_env_steps", "train_rlfp"]
