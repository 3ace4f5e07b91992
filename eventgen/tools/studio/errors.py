"""The studio's errors and the JSON shape of a config error (the API maps each to its HTTP status)."""

from __future__ import annotations

from eventgen.core.errors import ConfigError, EventgenError


class StudioError(EventgenError):
    """A request the studio cannot serve (bad sample name, window, path); HTTP 400."""


class SaveRejected(EventgenError):
    """A save refused because the result does not validate; carries the config errors (HTTP 422)."""

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


def error_dict(error: ConfigError) -> dict[str, str]:
    return {"file": error.file, "stanza": error.stanza, "key": error.key, "message": error.message}
