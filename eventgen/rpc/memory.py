"""An in-memory stand-in for the ZeroMQ transports, with the same interface: unit tests drive the controller's
and the worker's logic with it, without sockets."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence

from eventgen.rpc.sockets import Envelope


class MemoryHub:
    """In-memory stand-in for a ROUTER and its DEALERs (unit tests only)."""

    def __init__(self) -> None:
        self.inbox: queue.Queue[Envelope] = queue.Queue()
        self.clients: dict[bytes, queue.Queue[Envelope]] = {}
        self.lock = threading.Lock()

    def server(self) -> MemoryServer:
        return MemoryServer(self)

    def client(self, identity: bytes) -> MemoryClient:
        with self.lock:
            self.clients[identity] = queue.Queue()
        return MemoryClient(self, identity)


def _get(box: queue.Queue[Envelope], timeout: float) -> Envelope | None:
    try:
        return box.get(timeout=timeout) if timeout > 0 else box.get_nowait()
    except queue.Empty:
        return None


class MemoryServer:
    def __init__(self, hub: MemoryHub):
        self.hub = hub

    def send(self, peer: bytes, data: bytes) -> bool:
        with self.hub.lock:
            box = self.hub.clients.get(peer)
        if box is None:
            return False
        box.put(Envelope(b"controller", data))
        return True

    def recv(self, timeout: float) -> Envelope | None:
        return _get(self.hub.inbox, timeout)

    def close(self) -> None:
        pass


class MemoryClient:
    def __init__(self, hub: MemoryHub, identity: bytes):
        self.hub = hub
        self.identity = identity

    def send(self, data: bytes, parts: Sequence[bytes | memoryview] = ()) -> bool:
        self.hub.inbox.put(Envelope(self.identity, data, parts=tuple(parts)))
        return True

    def recv(self, timeout: float) -> Envelope | None:
        with self.hub.lock:
            box = self.hub.clients.get(self.identity)
        return None if box is None else _get(box, timeout)

    def close(self) -> None:
        """Disappear, as a killed process would: later sends to us fail."""
        with self.hub.lock:
            self.hub.clients.pop(self.identity, None)
