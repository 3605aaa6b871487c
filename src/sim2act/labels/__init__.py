"""Self-supervised labels: the simulator alone decides what each rolled-out episode teaches.

``--labels success`` keeps the episodes whose own instruction succeeded, ``hindsight`` relabels the
failed ones with an instruction they achieved instead, ``both`` does the two, ``none`` keeps
everything as rolled out. ``--erase-loops`` then cuts the detours out of what was kept, wherever the
simulator state repeats, and ``--shortcuts`` straightens it toward where it ended, where the simulator
confirms the straight run still succeeds. No expert and no shaped reward are involved.
"""

from sim2act.labels.cut import cut
from sim2act.labels.labelers import LABELERS, Labeler, admissible, get_labeler, label_episodes
from sim2act.labels.loops import erase_loops, loop_erased_rows
from sim2act.labels.shortcuts import shortcut, shortcut_all

__all__ = ["LABELERS", "Labeler", "admissible", "cut", "erase_loops", "get_labeler", "label_episodes", "loop_erased_rows",
           "shortcut", "shortcut_all"]
