"""Where the run's status lines go: on a terminal one line rewritten in place, else one line each time.

On a TTY the line is redrawn with a carriage return (at least every `TTY_REFRESH` seconds, so a short
historical run still shows its progress), cut to the terminal's width so it never wraps, and ended with
a newline once the run is over; a log record written meanwhile first clears the line, so warnings stay
readable. Anywhere else (a pipe, a file, a service's journal) each status is a plain line, as before.
"""

from __future__ import annotations

import logging
import os
import shutil
from typing import TextIO

TTY_REFRESH = 0.5  # seconds between redraws of the progress line on a terminal


def is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real file
        return False


def eta(seconds: float) -> str:
    """`4s`, `2m05s`, `1h02m`."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class StatusPrinter:
    def __init__(self, stream: TextIO, interval: float):
        self.stream = stream
        self.tty = is_tty(stream)
        self.interval = min(interval, TTY_REFRESH) if self.tty and interval > 0 else interval
        self.drawn = False  # a progress line is on screen without its newline
        self._filter: _ClearLine | None = None
        if self.tty and interval > 0:
            self._filter = _ClearLine(self)
            for handler in logging.getLogger().handlers:
                handler.addFilter(self._filter)

    def show(self, line: str) -> None:
        if not self.tty:
            self.stream.write(line + "\n")
        else:
            width = max(20, self.columns() - 1)
            if len(line) > width:
                line = line[: width - 1] + "…"
            self.stream.write("\r" + line + "\x1b[K")
            self.drawn = True
        self.stream.flush()

    def columns(self) -> int:
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError, AttributeError):
            columns = 0
        return columns if columns > 0 else shutil.get_terminal_size((120, 24)).columns

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False

    def close(self, last: str | None = None) -> None:
        """End the run's status: on a terminal, the final line (with its newline) when given."""
        if self._filter is not None:
            for handler in logging.getLogger().handlers:
                handler.removeFilter(self._filter)
            self._filter = None
        if self.tty and last is not None:
            self.show(last)
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


class _ClearLine(logging.Filter):
    """Clears the progress line before a log record is written to the terminal (the next status redraws it)."""

    def __init__(self, printer: StatusPrinter):
        super().__init__()
        self.printer = printer

    def filter(self, record: logging.LogRecord) -> bool:
        self.printer.clear()
        return True
