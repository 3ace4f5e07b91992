"""Template and script state: `locals` (one per template), `shared` (one per sample), `globals` (one per process,
shared by every jinja and script sample of it, as Eventum's globals are)."""

from __future__ import annotations

import threading
from typing import Any


class State:
    """A small key/value store a template reads and changes while rendering.

    `set`, `update` and `clear` return an empty string so that both `{% do locals.set(..) %}`
    and `{{ locals.set(..) }}` print nothing.
    """

    __slots__ = ("_data",)

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def set(self, key: str, value: Any) -> str:
        self._data[key] = value
        return ""

    def update(self, values: dict[str, Any] | None = None, **more: Any) -> str:
        self._data.update(values or {}, **more)
        return ""

    def pop(self, key: str, default: Any = None) -> Any:
        return self._data.pop(key, default)

    def clear(self) -> str:
        self._data.clear()
        return ""

    def incr(self, key: str, step: float = 1, start: float = 0) -> Any:
        """Add `step` to `key` (missing: `start`) and return the new value."""
        value = self._data.get(key, start) + step
        self._data[key] = value
        return value

    def as_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def keys(self) -> list[str]:
        return list(self._data)

    def __getitem__(self, key: str) -> Any:
        return self._data.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"


class LockedState(State):
    """`globals`: a State whose every operation holds a re-entrant lock, plus `acquire`/`release`
    for compound updates across threads of one process."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.RLock()

    def acquire(self) -> str:
        self._lock.acquire()
        return ""

    def release(self) -> str:
        self._lock.release()
        return ""

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return super().get(key, default)

    def set(self, key: str, value: Any) -> str:
        with self._lock:
            return super().set(key, value)

    def update(self, values: dict[str, Any] | None = None, **more: Any) -> str:
        with self._lock:
            return super().update(values, **more)

    def pop(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return super().pop(key, default)

    def clear(self) -> str:
        with self._lock:
            return super().clear()

    def incr(self, key: str, step: float = 1, start: float = 0) -> Any:
        with self._lock:
            return super().incr(key, step, start)

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return super().as_dict()


GLOBALS = LockedState()
"""The process-wide `globals`: shared by every jinja and script sample and worker thread of this process."""
