"""The Sim2Act loop: a vision-language prior proposes, the simulator labels, the policy learns, repeat."""

from sim2act.loop.config import LoopConfig, load_loop_config
from sim2act.loop.ledger import Ledger, load_ledger
from sim2act.loop.report import write_report
from sim2act.loop.rounds import LoopFolder, run_loop

__all__ = ["Ledger", "LoopConfig", "LoopFolder", "load_ledger", "load_loop_config", "run_loop", "write_report"]
