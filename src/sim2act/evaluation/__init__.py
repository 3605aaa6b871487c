"""Roll out a policy on a task split and measure it."""

from sim2act.evaluation.evaluate import EvalConfig, evaluate
from sim2act.evaluation.report import EvalReport, format_summary_line

__all__ = ["EvalConfig", "EvalReport", "evaluate", "format_summary_line"]
