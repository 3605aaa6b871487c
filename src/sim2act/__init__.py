"""sim2act: simulators as a self-supervised source of (observation, instruction, action) data."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sim2act")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
