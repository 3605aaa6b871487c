"""The rollout engine: record episodes of proposers in simulators (``collect``) and log them as datasets (``generate``)."""
