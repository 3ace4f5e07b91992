"""`dispatch` in templates (Eventum's dispatch API): a template decides what becomes of its own render.

- `dispatch.drop()`: discard this render (counted as dropped in the summary);
- `dispatch.next(max_repicks=64)`: discard it and pick again for the same timestamp (at most `max_repicks`
  times in a row, then the timestamp is dropped);
- `dispatch.exhaust()`: this sample has nothing more to make: the render is discarded and the sample ends.

Each raises a signal the generator catches around the render; nothing is written for a discarded render.
"""

from __future__ import annotations


class Dispatched(Exception):
    """A template's decision about its render (not an error)."""


class Drop(Dispatched):
    pass


class Next(Dispatched):
    def __init__(self, max_repicks: int):
        super().__init__(max_repicks)
        self.max_repicks = max_repicks


class Exhaust(Dispatched):
    pass


class Dispatch:
    """The `dispatch` object templates see."""

    __slots__ = ()

    def drop(self) -> None:
        raise Drop()

    def next(self, max_repicks: int = 64) -> None:
        raise Next(int(max_repicks))

    def exhaust(self) -> None:
        raise Exhaust()


DISPATCH = Dispatch()
