"""``sim2act bench NAME``: one command per benchmark, ``--quick`` for a one-to-two-minute check."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from typing import Annotated, Optional

import typer

from sim2act.baselines import RLConfig
from sim2act.benchmarks import BENCHMARKS
from sim2act.benchmarks.few_shot import FewShotConfig
from sim2act.benchmarks.methods import get_method
from sim2act.benchmarks.results import RESULTS_MD
from sim2act.benchmarks.setting import quick_loop
from sim2act.cli.console import make_console
from sim2act.cli.errors import user_errors_exit_cleanly
from sim2act.cli.run import ConsoleProgress
from sim2act.envs import get_domain, parse_env_options
from sim2act.envs.options import ENV_HELP
from sim2act.errors import Sim2ActError
from sim2act.loop import LoopConfig, LoopFolder, load_loop_config
from sim2act.loop.config import default_config_name
from sim2act.tasks import get_split

DEFAULT_OUT = Path("results")

bench_app = typer.Typer(help="Benchmarks: Sim2Act against RL from scratch and expert BC.", no_args_is_help=True)

Quick = Annotated[bool, typer.Option("--quick", help="Tiny budgets: checks that the benchmark runs (a minute or two).")]
Out = Annotated[Optional[Path], typer.Option(
    help="Results root: results go to OUT/<bench>/, method runs to OUT/runs/ (default: results, or results/quick with --quick)."
)]
Seeds = Annotated[Optional[int], typer.Option(help="Seeds per method.")]
Level = Annotated[Optional[str], typer.Option(help="Level every method trains on (default: the domain's).")]
Domain = Annotated[Optional[str], typer.Option(help="Simulator domain (default grid); Sim2Act runs its DOMAIN-quick loop unless --loop says otherwise.")]
Loop = Annotated[Optional[str], typer.Option(help="Sim2Act's loop config (quick, long or a file); default: quick.")]
Env = Annotated[Optional[list[str]], typer.Option("--env", help=ENV_HELP + " For every method's envs.")]
FewShotOption = Annotated[Optional[list[str]], typer.Option(
    "--few-shot-config", help="KEY=VALUE: a FewShotConfig field of the few-shot rounds (e.g. rounds=4, train_steps=500, "
    "replay_fraction=0.25); repeatable.")]


def _run(
    name: str, quick: bool, out: Path | None, level: str | None = None, loop: str | None = None, split: str | None = None,
    env: list[str] | None = None, domain: str | None = None, **overrides,
) -> None:
    bench = BENCHMARKS[name]
    out = out or (DEFAULT_OUT / "quick" if quick else DEFAULT_OUT)
    config = bench.config.quick() if quick else bench.config()
    setting = config.setting
    if domain is not None:
        setting = replace(setting, domain=get_domain(domain).name, level=None)
        if loop is None and setting.domain != LoopConfig.domain:  # the grid keeps its default loop
            domain_loop = load_loop_config(default_config_name(domain))
            setting = replace(setting, loop=quick_loop(domain_loop) if quick else domain_loop)
    if level is not None:
        setting = replace(setting, level=level)
    if split is not None:
        setting = replace(setting, split=get_split(split).name)
    if env:
        setting = replace(setting, env={**setting.env, **parse_env_options(env)})
    for field_name in ("rl", "rlfp", "decision_stacks"):
        given = overrides.pop(field_name, None)
        if given:
            setting = replace(setting, **{field_name: {**getattr(setting, field_name), **given}})
    if loop is not None:
        try:
            setting = replace(setting, loop=load_loop_config(loop))
        except Sim2ActError as error:
            raise Sim2ActError(str(error).replace("--config", "--loop", 1)) from None
    few_shot_episodes = overrides.pop("few_shot_episodes", None)
    if few_shot_episodes is not None:
        config = replace(config, few_shot=replace(config.few_shot, episodes=few_shot_episodes))
    few_shot_proposer = overrides.pop("few_shot_proposer", None)
    if few_shot_proposer is not None:
        config = replace(config, few_shot=replace(config.few_shot, proposer=few_shot_proposer))
    few_shot_config = overrides.pop("few_shot_config", None)
    if few_shot_config:
        config = replace(config, few_shot=replace(config.few_shot, **few_shot_config))
    if hasattr(config, "budget"):  # the reward learners' budget rule of a bench other than sample-efficiency
        budget = {k: overrides.pop(k) for k in ("rl_factor", "method_factors", "target") if overrides.get(k) is not None}
        config = replace(config, budget=replace(config.budget, **budget))
    config = replace(config, setting=setting, **{k: v for k, v in overrides.items() if v is not None})
    console = make_console()
    console.print(f"[bold]{name}[/] ({'quick' if quick else 'full, ' + bench.full_runtime}) → {out / name}")
    bench.run(config, out, ConsoleProgress(console, LoopFolder(out), round_tables=False))
    console.print(f"results: {out / name / RESULTS_MD}")


@bench_app.command("sample-efficiency")
@user_errors_exit_cleanly
def sample_efficiency_command(
    quick: Quick = False,
    out: Out = None,
    methods: Annotated[Optional[str], typer.Option(help="Comma-separated methods (sim2act, ppo, ppo-factored, sac, rlfp, decision-stacks, bc-expert).")] = None,
    seeds: Seeds = None,
    domain: Domain = None,
    level: Level = None,
    loop: Loop = None,
    target: Annotated[Optional[float], typer.Option(help="Held-out success to reach (default 0.8).")] = None,
    rl_factor: Annotated[Optional[float], typer.Option(help="RL budget in multiples of Sim2Act's simulator steps (default 10).")] = None,
    method_seeds: Annotated[Optional[str], typer.Option(help="Seeds of particular methods, e.g. ppo=1,bc-expert=1 (default: --seeds).")] = None,
    split: Annotated[Optional[str], typer.Option(help="Held-out split of the curves (default test_unseen_composition).")] = None,
    method_factors: Annotated[Optional[str], typer.Option(help="RL factors of particular methods, e.g. sac=1 (default: --rl-factor).")] = None,
    rl: Annotated[Optional[list[str]], typer.Option("--rl", help="KEY=VALUE: an RLConfig field of the RL baselines (e.g. sac_gradient_steps=1); repeatable.")] = None,
    rlfp: Annotated[Optional[list[str]], typer.Option("--rlfp", help="KEY=VALUE: an RLFPConfig field of RLFP (e.g. prior_kl=0.1); repeatable.")] = None,
    decision_stacks: Annotated[Optional[list[str]], typer.Option("--decision-stacks", help="KEY=VALUE: a DecisionStacksConfig field (e.g. horizon=4); repeatable.")] = None,
    env: Env = None,
) -> None:
    """Held-out success against simulator steps, and simulator steps to 80%, for every method."""
    _run(
        "sample-efficiency", quick, out, level, loop, split, env, domain, rl=_rl_overrides(rl), rlfp=_rlfp_overrides(rlfp),
        decision_stacks=_decision_stacks_overrides(decision_stacks),
        methods=methods, seeds=seeds, target=target, rl_factor=rl_factor,
        method_seeds=_per_method(method_seeds, "--method-seeds", "SEEDS", int),
        method_factors=_per_method(method_factors, "--method-factors", "FACTOR", float),
    )


@bench_app.command("generalization")
@user_errors_exit_cleanly
def generalization_command(
    quick: Quick = False,
    out: Out = None,
    methods: Annotated[Optional[str], typer.Option(help="Comma-separated methods.")] = None,
    seeds: Seeds = None,
    domain: Domain = None,
    level: Level = None,
    loop: Loop = None,
    variants: Annotated[Optional[str], typer.Option(help="Comma-separated level variants never trained on.")] = None,
    few_shot: Annotated[Optional[str], typer.Option(help="Comma-separated episode budgets N of the few-shot round on each variant (default 10,100; 0: zero-shot only).")] = None,
    few_shot_proposer: Annotated[Optional[str], typer.Option(help="Who collects the few-shot round: policy (0.9·π_θ + 0.1·Uniform, the default) or prior (the run's π0).")] = None,
    rl_factor: Annotated[Optional[float], typer.Option(help="Budget of methods that learn from reward: this many times Sim2Act's simulator steps, stopped at --target, as sample-efficiency gives them (default: a fixed 1M steps).")] = None,
    method_factors: Annotated[Optional[str], typer.Option(help="RL factors of particular methods, e.g. rlfp-factored=3 (default: --rl-factor).")] = None,
    target: Annotated[Optional[float], typer.Option(help="Held-out success at which, with --rl-factor, those methods stop (default 0.8).")] = None,
    rlfp: Annotated[Optional[list[str]], typer.Option("--rlfp", help="KEY=VALUE: an RLFPConfig field of RLFP; repeatable.")] = None,
    decision_stacks: Annotated[Optional[list[str]], typer.Option("--decision-stacks", help="KEY=VALUE: a DecisionStacksConfig field; repeatable.")] = None,
    env: Env = None,
    few_shot_config: FewShotOption = None,
) -> None:
    """Success on train instructions, unseen layouts, unseen compositions and level variants, zero- and few-shot."""
    _run("generalization", quick, out, level, loop, env=env, domain=domain, methods=methods, seeds=seeds, variants=_names(variants),
         few_shot_episodes=_episode_counts(few_shot), few_shot_proposer=few_shot_proposer, rl_factor=rl_factor, target=target,
         method_factors=_per_method(method_factors, "--method-factors", "FACTOR", float), rlfp=_rlfp_overrides(rlfp),
         decision_stacks=_decision_stacks_overrides(decision_stacks), few_shot_config=_few_shot_overrides(few_shot_config))


@bench_app.command("long-horizon")
@user_errors_exit_cleanly
def long_horizon_command(
    quick: Quick = False,
    out: Out = None,
    methods: Annotated[Optional[str], typer.Option(help="Comma-separated methods.")] = None,
    seeds: Seeds = None,
    domain: Domain = None,
    levels: Annotated[Optional[str], typer.Option(help="Comma-separated sequence levels (default GoToSeqS5R2; GoToSeq takes hours).")] = None,
    loop: Loop = None,
    rl_factor: Annotated[Optional[float], typer.Option(help="Budget of methods that learn from reward: this many times Sim2Act's simulator steps on the level, stopped at --target (default: a fixed 1M steps).")] = None,
    method_factors: Annotated[Optional[str], typer.Option(help="RL factors of particular methods, e.g. rlfp=3 (default: --rl-factor).")] = None,
    target: Annotated[Optional[float], typer.Option(help="Held-out success at which, with --rl-factor, those methods stop (default 0.8).")] = None,
    rlfp: Annotated[Optional[list[str]], typer.Option("--rlfp", help="KEY=VALUE: an RLFPConfig field of RLFP; repeatable.")] = None,
    decision_stacks: Annotated[Optional[list[str]], typer.Option("--decision-stacks", help="KEY=VALUE: a DecisionStacksConfig field; repeatable.")] = None,
    env: Env = None,
) -> None:
    """Sequenced instructions: success, share of sub-goals completed, longest task solved."""
    _run("long-horizon", quick, out, None, loop, env=env, domain=domain, methods=methods, seeds=seeds, levels=_names(levels),
         rl_factor=rl_factor, target=target, method_factors=_per_method(method_factors, "--method-factors", "FACTOR", float),
         rlfp=_rlfp_overrides(rlfp), decision_stacks=_decision_stacks_overrides(decision_stacks))


@bench_app.command("ablations")
@user_errors_exit_cleanly
def ablations_command(
    quick: Quick = False,
    out: Out = None,
    seeds: Seeds = None,
    domain: Domain = None,
    level: Level = None,
    loop: Loop = None,
    only: Annotated[Optional[str], typer.Option(help="Comma-separated prefixes of the variants to run besides the full loop.")] = None,
    method: Annotated[Optional[str], typer.Option(help="Whose parts to ablate: sim2act (default), rlfp, rlfp-factored or decision-stacks.")] = None,
    rl_factor: Annotated[Optional[float], typer.Option(help="A reward learner's budget: this many times Sim2Act's simulator steps, stopped at --target, as sample-efficiency gives it.")] = None,
    target: Annotated[Optional[float], typer.Option(help="Held-out success at which, with --rl-factor, it stops (default 0.8).")] = None,
    rlfp: Annotated[Optional[list[str]], typer.Option("--rlfp", help="KEY=VALUE: an RLFPConfig field of RLFP; repeatable.")] = None,
    decision_stacks: Annotated[Optional[list[str]], typer.Option("--decision-stacks", help="KEY=VALUE: a DecisionStacksConfig field; repeatable.")] = None,
    env: Env = None,
) -> None:
    """The loop with λ = 0, a single pass, α 0.8 / 1.0, a uniform π0, success-only or hindsight-only labels; or a baseline's own parts (--method)."""
    if method is not None:
        get_method(method)  # an unknown name: one line, before any work
    _run("ablations", quick, out, level, loop, env=env, domain=domain, seeds=seeds, only=_names(only), method=method,
         rl_factor=rl_factor, target=target, rlfp=_rlfp_overrides(rlfp), decision_stacks=_decision_stacks_overrides(decision_stacks))


@bench_app.command("transfer")
@user_errors_exit_cleanly
def transfer_command(
    quick: Quick = False,
    out: Out = None,
    seeds: Seeds = None,
    domain: Domain = None,
    levels: Annotated[Optional[str], typer.Option(help="Comma-separated levels Sim2Act trains on (default: the domain's).")] = None,
    loop: Loop = None,
    randomize: Annotated[Optional[str], typer.Option(help="Train without and/or with domain randomisation: off, on or off,on (default).")] = None,
    few_shot: Annotated[Optional[str], typer.Option(help="Comma-separated budgets N of twin episodes in the adaptation round (default 50; 0: zero-shot only).")] = None,
    episodes: Annotated[Optional[int], typer.Option(help="Evaluation episodes per measurement (default 200).")] = None,
    split: Annotated[Optional[str], typer.Option(help="Split of every measurement (default test_unseen_layout).")] = None,
    env: Env = None,
    few_shot_config: FewShotOption = None,
) -> None:
    """Sim2Act trained in the domain's simulator, measured there and in its twin: zero-shot, then after a few-shot round."""
    _run("transfer", quick, out, None, loop, None, env, domain, seeds=seeds, levels=_names(levels), episodes=episodes,
         randomize=_switches(randomize), few_shot_episodes=_episode_counts(few_shot), eval_split=split,
         few_shot_config=_few_shot_overrides(few_shot_config))


def _per_method(text: str | None, option: str, what: str, kind: type) -> dict | None:
    """``--method-seeds ppo=1,bc-expert=2`` as {"ppo": 1, "bc-expert": 2} (``kind`` int or float)."""
    if text is None:
        return None
    values = {}
    for item in _names(text):
        name, _, value = item.partition("=")
        try:
            values[name.strip()] = kind(value.strip())
        except ValueError:
            raise Sim2ActError(f"{option}: expected METHOD={what}, got {item!r}") from None
    return values


def _rl_overrides(pairs: list[str] | None) -> dict | None:
    """``--rl KEY=VALUE`` pairs as ``RLConfig`` overrides, unknown fields refused before any work."""
    return _config_overrides("--rl", RLConfig, pairs, {})


def _rlfp_overrides(pairs: list[str] | None) -> dict | None:
    """``--rlfp KEY=VALUE`` pairs as ``RLFPConfig`` overrides, unknown fields refused before any work."""
    from sim2act.baselines.rlfp import RLFPConfig

    return _config_overrides("--rlfp", RLFPConfig, pairs, {"prior": "set by the bench"})


def _decision_stacks_overrides(pairs: list[str] | None) -> dict | None:
    """``--decision-stacks KEY=VALUE`` pairs as ``DecisionStacksConfig`` overrides, checked before any work."""
    from sim2act.baselines.decision_stacks import DecisionStacksConfig

    return _config_overrides("--decision-stacks", DecisionStacksConfig, pairs, {"data": "set by the bench", "prior": "set by the bench"})


def _config_overrides(option: str, cls, pairs: list[str] | None, required: dict) -> dict | None:
    """``KEY=VALUE`` pairs as overrides of config dataclass ``cls``: unknown fields, wrong types and bad ranges
    refused before any work (``required``: values the bench sets later that ``validated`` needs)."""
    if not pairs:
        return None
    overrides = parse_env_options(pairs)
    defaults = {f.name: getattr(cls(), f.name) for f in fields(cls)}
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise Sim2ActError(f"{option}: unknown {cls.__name__} fields: {', '.join(unknown)}")
    for name, value in overrides.items():
        if defaults[name] is None:
            continue
        expected = type(defaults[name])
        fits = isinstance(value, expected) and not (isinstance(value, bool) and expected is not bool)
        if not (fits or (expected is float and type(value) is int)):
            raise Sim2ActError(f"{option} {name}={value!r}: expected {expected.__name__}")
    # Its ranges (n_steps >= 1, gamma in (0, 1], ...) before any work; the bench sets domain, level and env itself.
    cls(**{**required, **{k: v for k, v in overrides.items() if k not in ("domain", "level", "env")}}).validated()
    return overrides


def _few_shot_overrides(pairs: list[str] | None) -> dict | None:
    """``--few-shot-config KEY=VALUE`` pairs as ``FewShotConfig`` overrides (its budgets come from ``--few-shot``)."""
    if any(pair.partition("=")[0].strip() == "episodes" for pair in pairs or ()):
        raise Sim2ActError("--few-shot-config episodes=...: give the budgets with --few-shot")
    return _config_overrides("--few-shot-config", FewShotConfig, pairs, {"episodes": ()})


def _episode_counts(text: str | None) -> tuple[int, ...] | None:
    """``--few-shot 10,100`` as (10, 100); ``0`` as () (zero-shot only)."""
    if text is None:
        return None
    try:
        counts = tuple(int(n) for n in _names(text))
    except ValueError:
        raise Sim2ActError(f"--few-shot: episode counts must be whole numbers, got {text!r}") from None
    if any(n < 0 for n in counts):
        raise Sim2ActError(f"--few-shot: episode counts must be >= 0, got {text!r}")
    return tuple(n for n in counts if n > 0)


def _names(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise Sim2ActError(f"empty list: {text!r}")
    return names


def _switches(text: str | None) -> tuple[bool, ...] | None:
    """``"off,on"`` → ``(False, True)``; anything else is a one-line error."""
    if text is None:
        return None
    values = {"off": False, "on": True}
    words = [w.strip() for w in text.split(",") if w.strip()]
    if not words or any(w not in values for w in words):
        raise Sim2ActError(f"--randomize takes off, on or off,on, got {text!r}")
    return tuple(dict.fromkeys(values[w] for w in words))

