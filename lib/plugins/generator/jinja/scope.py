"""Which state a sample's templates see: their own `locals` and `shared`, or their state group's (one per
process), the process-wide `globals`, and the picker whose position is state too."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .options import Options
from .pickers import Picker, make_picker
from .state import GLOBALS, LockedState, State

_STATE_GROUPS: dict[str, dict[tuple[str, ...], Any]] = {}  # jinjaStateGroup → its shared state objects
_POSITIONED = ("fsm", "spin", "chain")  # picking modes whose position is state


@dataclass
class Scope:
    locals: dict[str, State]  # by template alias
    shared: State
    globals: LockedState
    picker: Picker

    def snapshot(self, last: str | None) -> dict[str, Any]:
        """The state as data: the template rendered `last`, then locals, shared, globals and the picker's."""
        return {
            "template": last,
            "locals": {alias: s.as_dict() for alias, s in self.locals.items()},
            "shared": self.shared.as_dict(),
            "globals": self.globals.as_dict(),
            **self.picker.state(),
        }


def wire_state(group: str | None, options: Options, rng: random.Random, chain: list[str] | None, tags: tuple) -> Scope:
    """A sample's state; samples naming the same `group` share it (and the picker's position) in this process."""
    specs = options.specs
    if group:
        states = _STATE_GROUPS.setdefault(group, {})
        locals_ = {s.alias: states.setdefault(("locals", s.alias), State()) for s in specs}
        shared = states.setdefault(("shared",), State())
    else:
        locals_ = {s.alias: State() for s in specs}
        shared = State()
    picker = make_picker(options.mode, specs, rng, chain, locals_, shared, GLOBALS)
    if group and options.mode in _POSITIONED:
        picker = states.setdefault(("picker",), picker)
    picker.tags = tags
    return Scope(locals_, shared, GLOBALS, picker)
