"""A TCP connection to a destination, directly or through an HTTP proxy's CONNECT tunnel (Eventum's `proxy_url` of
its http and clickhouse outputs): the http and clickhouse outputs open their sockets here, then speak HTTP (or TLS,
then HTTP) over it, so plain and TLS destinations go through the proxy alike."""

from __future__ import annotations

import base64
import socket
from urllib.parse import unquote, urlsplit

from eventgen.plugin import OutputError

MAX_ANSWER = 65536  # bytes of the proxy's answer to CONNECT read at most


def proxy_problem(url: str | None) -> str | None:
    """What is wrong with a proxy URL for this use (None when fine): an http:// proxy, with a host."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "http":
        return f"{url}: only http:// proxies are supported (the tunnel to the destination carries its own TLS)"
    return None


def open_socket(host: str, port: int, timeout: float, proxy: str | None, where: str) -> socket.socket:
    """A connected socket to host:port (through `proxy`'s CONNECT tunnel when given), `timeout` for connecting."""
    if not proxy:
        try:
            return socket.create_connection((host, port), timeout)
        except OSError as exc:
            raise OutputError(f"{where}: cannot connect: {exc.strerror or exc}") from exc
    parts = urlsplit(proxy)
    proxy_where = f"proxy {parts.hostname}:{parts.port or 80}"
    try:
        sock = socket.create_connection((parts.hostname, parts.port or 80), timeout)
    except OSError as exc:
        raise OutputError(f"{where}: cannot connect to {proxy_where}: {exc.strerror or exc}") from exc
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
    if parts.username is not None:
        user = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        lines.append(f"Proxy-Authorization: Basic {base64.b64encode(user.encode()).decode()}")
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = _read_head(sock)
    except OSError as exc:
        sock.close()
        raise OutputError(f"{where}: {proxy_where} failed: {exc.strerror or exc}") from exc
    status = answer.split(b"\r\n", 1)[0].decode("latin-1")
    fields = status.split(" ", 2)
    if len(fields) < 2 or fields[1] != "200":
        sock.close()
        raise OutputError(f"{where}: {proxy_where} refused the tunnel: {status or 'no answer'}")
    return sock


def _read_head(sock: socket.socket) -> bytes:
    """The proxy's answer up to its blank line, read a byte at a time so nothing of the tunnel is taken."""
    head = bytearray()
    while not head.endswith(b"\r\n\r\n"):
        byte = sock.recv(1)
        if not byte:
            break
        head += byte
        if len(head) > MAX_ANSWER:
            raise OSError("answer to CONNECT too long")
    return bytes(head)
