"""Wire protocol between controller, workers and status clients.

Every message is one msgpack map `{"v": PROTOCOL_VERSION, "type": <MsgType>, ...fields}`.
Never pickle: a peer can only make us build dicts, lists, strings, numbers and bytes.
`decode` checks the version, the type and each declared field's type, and raises
ProtocolError for anything else; callers log it (rate-limited) and drop the message.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import msgpack

from eventgen.core.errors import EventgenError

PROTOCOL_VERSION = 4  # 3: DONE hands back formatted payloads, not event lists; 4: their bytes as frames of their own
MAX_MESSAGE_BYTES = 256 * 1024 * 1024  # a config bundle is the largest message

log = logging.getLogger(__name__)


class ProtocolError(EventgenError):
    """A message that is not ours: undecodable, wrong version, unknown type or bad fields."""


class MsgType(StrEnum):
    HELLO = "hello"  # worker → host: name, version, capacity, host, pid, bundle digest it already holds
    WELCOME = "welcome"  # host → worker: worker id, run id, heartbeat, bundle ({} when the worker holds it)
    REFUSE = "refuse"  # host → worker: reason (stopping, incompatible)
    JOB = "job"  # host → worker: run id, job (GenerationJob.to_wire())
    DONE = "done"  # worker → host: run id, key [sample, seq], stats delta, error, payloads for the host's outputs
    # (each payload's bytes follow the message as a part of their own, named by the payload's "frame")
    FAIL = "fail"  # worker → host: reason it cannot run this conf (the run fails)
    HEARTBEAT = "heartbeat"  # both ways; the worker's carries its in-flight count
    BYE = "bye"  # worker → host: returned (unstarted job keys), final
    QUIT = "quit"  # host → worker: reason, abort (return unstarted jobs instead of finishing them)
    RESET = "reset"  # host → unknown peer: say HELLO again
    STATUS = "status"  # status client → host
    STATUS_REPLY = "status_reply"  # host → status client: status
    HANDOVER = "handover"  # worker → host: an earlier run's counts (run id, jobs, stats) its controller never had
    TAKEN = "taken"  # host → worker: run id of a handover it took (the worker forgets those counts)


# field name → accepted Python types after msgpack decoding (raw=False)
_NUM = (int, float)
SCHEMA: dict[MsgType, dict[str, type | tuple[type, ...]]] = {
    MsgType.HELLO: {"name": str, "version": str, "capacity": int, "host": str, "pid": int, "bundle": str},
    MsgType.WELCOME: {"worker": str, "run": str, "bundle": dict, "heartbeat": _NUM},
    MsgType.REFUSE: {"reason": str},
    MsgType.JOB: {"run": str, "job": dict},
    MsgType.DONE: {"run": str, "key": list, "stats": dict, "error": str, "payloads": list},
    MsgType.FAIL: {"reason": str},
    MsgType.HEARTBEAT: {"inflight": int},
    MsgType.BYE: {"returned": list, "final": bool},
    MsgType.QUIT: {"reason": str, "abort": bool},
    MsgType.RESET: {"reason": str},
    MsgType.STATUS: {},
    MsgType.STATUS_REPLY: {"status": dict},
    MsgType.HANDOVER: {"run": str, "jobs": int, "stats": dict},
    MsgType.TAKEN: {"run": str},
}


@dataclass(frozen=True, slots=True)
class Message:
    """A decoded, validated message: its type and its fields."""

    type: MsgType
    fields: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]


def encode(kind: MsgType, **fields: Any) -> bytes:
    """One message as msgpack bytes; raises ProtocolError when the fields do not match the schema."""
    _check(kind, fields)
    return msgpack.packb({"v": PROTOCOL_VERSION, "type": kind.value, **fields}, use_bin_type=True)


def decode(data: bytes) -> Message:
    """Parse and validate one message; ProtocolError for anything that is not a valid message."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {len(data)} bytes exceeds {MAX_MESSAGE_BYTES}")
    try:
        body = msgpack.unpackb(data, raw=False, strict_map_key=True, max_bin_len=MAX_MESSAGE_BYTES)
    except Exception as exc:  # msgpack raises several unrelated exception types
        raise ProtocolError(f"not msgpack ({type(exc).__name__})") from None
    if not isinstance(body, dict):
        raise ProtocolError(f"expected a map, got {type(body).__name__}")
    version = body.pop("v", None)
    if version != PROTOCOL_VERSION:
        raise ProtocolError(f"protocol version {version!r}, expected {PROTOCOL_VERSION}")
    try:
        kind = MsgType(body.pop("type", None))
    except ValueError:
        raise ProtocolError("unknown message type") from None
    _check(kind, body)
    return Message(kind, body)


def _check(kind: MsgType, fields: dict[str, Any]) -> None:
    for name, expected in SCHEMA[kind].items():
        value = fields.get(name)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ProtocolError(f"{kind.value}: field {name!r} missing or not {_names(expected)}")


def _names(expected: type | tuple[type, ...]) -> str:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(k.__name__ for k in kinds)


def job_key(value: Any) -> tuple[str, int]:
    """A DONE/BYE job key `[sample, seq]` as a tuple; ProtocolError when malformed."""
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
        and not isinstance(value[1], bool)
    ):
        return value[0], value[1]
    raise ProtocolError(f"bad job key {value!r}")


class DropLog:
    """Logs dropped messages at most once per `every` seconds, with how many were dropped meanwhile."""

    def __init__(self, logger: logging.Logger, every: float = 5.0):
        self.logger = logger
        self.every = every
        self.dropped = 0
        self._suppressed = 0
        self._last = 0.0

    def drop(self, peer: str, reason: str) -> None:
        self.dropped += 1
        now = time.monotonic()
        if now - self._last < self.every:
            self._suppressed += 1
            return
        more = f" ({self._suppressed} more dropped since last report)" if self._suppressed else ""
        self.logger.warning("dropped a message from %s: %s%s", peer, reason, more)
        self._last = now
        self._suppressed = 0
