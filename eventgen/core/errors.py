"""Errors users see. Each renders as one line that says where and what is allowed."""

from __future__ import annotations


class EventgenError(Exception):
    """Base of all expected errors; the CLI prints them without a traceback."""


class ConfigError(EventgenError):
    """A bad setting, pinned to file, stanza and key."""

    def __init__(self, message: str, file: str = "", stanza: str = "", key: str = ""):
        super().__init__(message)
        self.message = message
        self.file = file
        self.stanza = stanza
        self.key = key

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, f"[{self.stanza}]" if self.stanza else "", self.key) if part)
        return f"{where}: {self.message}" if where else self.message


class ConfigErrors(EventgenError):
    """Several config errors reported at once."""

    def __init__(self, errors: list[ConfigError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class PluginError(EventgenError):
    """A plugin that cannot be found or loaded."""


class TemplateError(EventgenError):
    """A template that fails to compile or render (names template and line)."""


# exit statuses of every command
EXIT_OK = 0  # complete
EXIT_FAILED = 1  # something failed to be delivered or generated
EXIT_CONFIG = 2  # bad input: conf, flag or file
EXIT_INCOMPLETE = 3  # a historical run was interrupted before it made everything asked for
EXIT_INTERRUPTED = 130  # a second Ctrl-C: quit at once
