"""Datasets of (observation, instruction, action) steps: generation, on-disk format and readers."""
