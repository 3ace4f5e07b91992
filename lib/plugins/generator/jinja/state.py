"""Template state: the plugin API's `State` classes and the process-wide `globals` (shared with scripts)."""

from eventgen.plugin import GLOBALS, LockedState, State

__all__ = ["GLOBALS", "LockedState", "State"]
