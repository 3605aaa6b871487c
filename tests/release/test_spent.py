"""A release records the wall time each step spent as it goes, so a killed and resumed step adds both calls'."""

from __future__ import annotations

import time

from sim2act.progress import Progress
from sim2act.release import spent
from sim2act.release.spent import SpentTime


def test_time_is_saved_while_the_job_runs_and_adds_up_across_calls(monkeypatch):
    monkeypatch.setattr(spent, "FLUSH_SECONDS", 0.01)
    seconds, saves = {}, []
    first = SpentTime(Progress(), seconds, "generate", lambda: saves.append(dict(seconds)))
    first.start(3)
    time.sleep(0.02)
    first.episode(None)  # the job is then killed: no flush at its end
    assert len(saves) == 1 and seconds["generate"] >= 0.02
    before = seconds["generate"]
    resumed = SpentTime(Progress(), seconds, "generate", lambda: saves.append(dict(seconds)))
    time.sleep(0.02)
    resumed.flush()
    assert seconds["generate"] >= before + 0.02 and len(saves) == 2
