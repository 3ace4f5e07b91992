"""What a HEC answer means (the retry logic of Vector's splunk_hec, as data): HTTP 200 with code 0 is accepted;
a busy or failing server (503, HEC code 9, 429, 5xx) is worth a retry; a refused token and any other answer are
not."""

from __future__ import annotations

import json
from typing import Any

from eventgen.plugin import Action, OutputError

from .config import Server

# HEC codes that mean the token is refused
TOKEN_CODES = {1: "token disabled", 2: "token disabled", 3: "token is required", 4: "invalid token"}
BUSY_CODE = 9  # server is busy


class HecRejected(OutputError):
    """An answer that trying again cannot change."""


class RequestFailed(OutputError):
    """A request that got no answer; `maybe_received` when its body was sent (a retry may duplicate it)."""

    def __init__(self, message: str, maybe_received: bool = False, retryable: bool = True):
        super().__init__(message, retryable)
        self.maybe_received = maybe_received


def action(status: int, code: Any) -> Action | None:
    """None when the request was accepted; else retry or don't."""
    if status == 200 and code in (0, None):
        return None
    if status in (401, 403) or code in TOKEN_CODES:
        return Action.DONT_RETRY
    if status in (429, 503) or code == BUSY_CODE or status >= 500:
        return Action.RETRY
    return Action.DONT_RETRY


def accepted(server: Server, status: int, answer: bytes) -> dict[str, Any]:
    """The answer of an accepted request; an OutputError saying whether to retry for any other."""
    try:
        reply = json.loads(answer or b"{}")
    except ValueError:
        reply = {}
    if not isinstance(reply, dict):
        reply = {}
    code = reply.get("code")
    decided = action(status, code)
    if decided is None:
        return reply
    text = reply.get("text", "")
    detail = f"HEC {server.where} answered HTTP {status}" + (f" code {code} ({text})" if code is not None else "")
    if status in (401, 403) or code in TOKEN_CODES:
        raise HecRejected(f"{detail}: the token (key in httpeventServers) was refused", retryable=False)
    if decided is Action.RETRY:
        raise OutputError(f"{detail}: will retry")
    raise HecRejected(detail, retryable=False)
