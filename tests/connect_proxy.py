"""A loopback HTTP CONNECT proxy for tests: it answers `CONNECT host:port` by opening a tunnel to a loopback
destination (anything else is refused with 403) and relays bytes both ways; `tunnels` records each target and the
Proxy-Authorization it was given."""

from __future__ import annotations

import contextlib
import select
import socket
import threading


class ConnectProxy:
    def __init__(self) -> None:
        self.tunnels: list[tuple[str, str | None]] = []  # (host:port, Proxy-Authorization or None)
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> ConnectProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(5)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        with contextlib.ExitStack() as stack:
            stack.enter_context(client)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            method, target, _ = [*lines[0].split(" "), "", "", ""][:3]
            fields = [v.split(":", 1) for v in lines[1:] if ":" in v]
            auth = next((value.strip() for name, value in fields if name.lower() == "proxy-authorization"), None)
            host, _, port = target.rpartition(":")
            if method != "CONNECT" or host.strip("[]") not in ("127.0.0.1", "localhost", "::1"):
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            with self._lock:
                self.tunnels.append((target, auth))
            upstream = stack.enter_context(socket.create_connection((host.strip("[]"), int(port)), 5))
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self._relay(client, upstream)

    def _relay(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        while not self._stop.is_set():
            ready, _, _ = select.select(list(peers), [], [], 0.2)
            for sock in ready:
                try:
                    data = sock.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                peers[sock].sendall(data)
