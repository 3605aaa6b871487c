"""Roll out a policy (or any proposer) on a task split and measure it."""

from sim2act.evaluation.evaluate import EvalConfig, evaluate, evaluate_proposer, roll_out_proposer, write_evaluation
from sim2act.evaluation.report import EvalReport, format_summary_line

__all__ = [
    "EvalConfig",
    "EvalReport",
    "evaluate",
    "evaluate_proposer",
    "format_summary_line",
    "roll_out_proposer",
    "write_evaluation",
]
