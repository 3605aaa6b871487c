"""The released corpus: every domain's levels rolled out by the loop's proposers, labelled, exported and carded."""

from sim2act.release.build import build_release
from sim2act.release.config import ReleaseConfig, ReleasePart, load_release_config
from sim2act.release.folder import ReleaseFolder

__all__ = ["ReleaseConfig", "ReleaseFolder", "ReleasePart", "build_release", "load_release_config"]
