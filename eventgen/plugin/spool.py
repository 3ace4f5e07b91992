"""Failed-batch spool: events an output could not deliver, kept as JSON lines for `replay-spool`.

One line per failed (part of a) batch:
`{"version":2,"id","sample","output","seq","error","spooled_at","events":[...],"times":[...],"meta":{...},
"columns":{...}}`, plus `"server"` when the events are missing from one server of several (HEC `mirror`).
`id` is unique per record (uuid4 hex): `replay-spool --dedupe` uses it. Version 1 records (no id, no server)
are still read.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eventgen.core.batch import EventBatch

VERSION = 2
KNOWN_VERSIONS = (1, 2)
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(path: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(os.path.abspath(path), threading.Lock())


def record_of(
    output: str, batch: EventBatch, indices: Sequence[int], error: str, server: str | None = None
) -> dict[str, Any]:
    """The spool record of events `indices` of `batch` (all of them when indices covers the batch); `server`
    (`protocol://address:port`) when only that server of the output lacks them."""
    whole = len(indices) == len(batch)
    pick = (lambda values: list(values)) if whole else (lambda values: [values[i] for i in indices])
    times = np.asarray(batch.times, dtype=float)
    record = {
        "version": VERSION,
        "id": uuid.uuid4().hex,
        "sample": batch.sample,
        "output": output,
        "seq": batch.seq,
        "error": error,
        "spooled_at": round(time.time(), 3),
        "events": pick(batch.events),
        "times": (times if whole else times[list(indices)]).tolist(),
        "meta": dict(batch.meta),
        "columns": {name: pick(values) for name, values in batch.columns.items()},
    }
    if server:
        record["server"] = server
    return record


def append_failed(
    path: str | Path,
    output: str,
    batch: EventBatch,
    indices: Sequence[int],
    error: str,
    server: str | None = None,
) -> int:
    """Append one record with the failed events; return how many were spooled.

    The line is written with one `write` on an O_APPEND descriptor, so processes sharing the file do
    not interleave records.
    """
    if not indices:
        return 0
    append_line(path, json.dumps(record_of(output, batch, indices, error, server), separators=(",", ":")))
    return len(indices)


def append_line(path: str | Path, text: str) -> None:
    """Append `text` and a newline to `path` in one `write` (creating the file and its folder)."""
    line = (text + "\n").encode()
    path = str(Path(path).expanduser())
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with _lock_for(path):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)


def read_spool(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) for each record; raises ValueError naming the line of a bad record."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record.get("events"), list) or len(record["events"]) != len(record["times"]):
                    raise ValueError("events and times must be lists of equal length")
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ValueError(f"{path}:{number}: not a spool record ({exc})") from None
            version = record.get("version")
            if version not in KNOWN_VERSIONS or isinstance(version, bool):
                known = ", ".join(map(str, KNOWN_VERSIONS))
                raise ValueError(
                    f"{path}:{number}: spool record version {version!r} is not one this eventgen reads ({known})"
                )
            yield number, record


def batch_of(record: dict[str, Any]) -> EventBatch:
    """Rebuild the batch a spool record holds."""
    return EventBatch(
        sample=record["sample"],
        seq=int(record.get("seq", 0)),
        events=list(record["events"]),
        times=np.asarray(record["times"], dtype=float),
        meta={k: str(v) for k, v in (record.get("meta") or {}).items()},
        columns={k: list(v) for k, v in (record.get("columns") or {}).items()},
    )
