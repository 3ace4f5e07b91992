"""A TCP line receiver that counts what arrives: lines per second of arrival and ids (`id=N` in each line).

Run as a script (`python3 tests/line_receiver.py HOST PORT REPORT.json`), in a test or in a network namespace:
it prints `listening` once bound, a `lines=N` line every second, and on SIGTERM or SIGINT writes REPORT.json
(see `Tally.report`) and exits 0. Only whole lines count; a partial line at a connection's end is counted apart.
"""

from __future__ import annotations

import json
import re
import selectors
import signal
import socket
import sys
import time
from collections import Counter
from pathlib import Path

ID = re.compile(rb"\bid=(\d+)")


def write_ids_conf(
    folder: Path, host: str, port: int, line: str = "id=@@ID", name: str = "eventgen.conf", **settings
) -> Path:
    """A conf whose `ids.log` events carry `id=N` (an integerid token counting from 0), sent by tcpout to
    host:port, with `settings` added to the stanza: what the cluster tests and the rehearsal all run."""
    (folder / "ids.log").write_text(line + "\n", encoding="utf-8")
    extra = "".join(f"{key} = {value}\n" for key, value in settings.items())
    conf = folder / name
    conf.write_text(
        "[ids.log]\nsampleDir = .\noutputMode = tcpout\n"
        f"tcpDestinationHost = {host}\ntcpDestinationPort = {port}\n{extra}"
        "token.0.token = @@ID\ntoken.0.replacementType = integerid\ntoken.0.replacement = 0\n",
        encoding="utf-8",
    )
    return conf


class Tally:
    """Lines per arrival second (epoch, whole seconds) and how often each id arrived."""

    def __init__(self) -> None:
        self.per_second: Counter[int] = Counter()
        self.ids: Counter[int] = Counter()
        self.lines = 0
        self.without_id = 0
        self.partial = 0
        self.connections = 0

    def add(self, chunk: bytes, at: float) -> None:
        lines = chunk.count(b"\n")
        self.lines += lines
        self.per_second[int(at)] += lines
        found = [int(m) for m in ID.findall(chunk)]
        self.ids.update(found)
        self.without_id += lines - len(found)

    def report(self) -> dict:
        """`per_second`: [epoch second, lines] in order; ids: distinct, highest, duplicates (arrivals beyond the
        first), missing (below the highest, never seen) with the first few of them."""
        top = max(self.ids, default=-1)
        missing = [i for i in range(top + 1) if i not in self.ids]
        return {
            "lines": self.lines,
            "connections": self.connections,
            "partial_bytes": self.partial,
            "without_id": self.without_id,
            "per_second": sorted(self.per_second.items()),
            "ids": {
                "distinct": len(self.ids),
                "highest": top,
                "duplicates": self.ids.total() - len(self.ids),
                "duplicated_ids": sum(1 for n in self.ids.values() if n > 1),
                "missing": len(missing),
                "first_missing": missing[:20],
            },
        }


def serve(host: str, port: int, report: Path) -> None:
    stop: list[int] = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    server = socket.create_server((host, port), backlog=128)
    server.setblocking(False)
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ)
    pending: dict[socket.socket, bytes] = {}
    tally = Tally()
    print("listening", flush=True)
    next_note = time.monotonic() + 1
    while not stop:
        for key, _ in selector.select(0.2):
            sock = key.fileobj
            if sock is server:
                conn, _ = server.accept()
                conn.setblocking(False)
                selector.register(conn, selectors.EVENT_READ)
                pending[conn] = b""
                tally.connections += 1
                continue
            try:
                data = sock.recv(1 << 20)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                selector.unregister(sock)
                sock.close()
                tally.partial += len(pending.pop(sock))
                continue
            buffer = pending[sock] + data
            cut = buffer.rfind(b"\n") + 1
            if cut:
                tally.add(buffer[:cut], time.time())
            pending[sock] = buffer[cut:]
        if time.monotonic() >= next_note:
            next_note += 1
            print(f"lines={tally.lines}", flush=True)
    report.write_text(json.dumps(tally.report()), encoding="utf-8")
    print(f"stopped lines={tally.lines}", flush=True)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
