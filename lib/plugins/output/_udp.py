"""UDP helpers for udpout and syslogout (kept apart: Splunk apps may not ship UDP code)."""

from __future__ import annotations

import errno
import socket

from eventgen.plugin import OutputError, Payload

USES = frozenset({"udp"})  # what this helper module needs: only plugins declaring the same import it


def udp_socket(host: str, port: int) -> socket.socket:
    """A UDP socket connected to (host, port), so sends are plain `send` and refusals are reported."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        addr = socket.getaddrinfo(host, port, family, socket.SOCK_DGRAM)[0][4]
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.connect(addr)
    except OSError as exc:
        raise OutputError(f"cannot address UDP {host}:{port}: {exc.strerror or exc}") from exc
    return sock


def send_datagrams(sock: socket.socket, payload: Payload, where: str) -> list[int]:
    """One datagram per event of the payload. Returns the indices too large for a datagram; a
    refusal (nothing listening) raises a retryable OutputError telling how many went out, so the
    retry resumes there."""
    view = memoryview(payload.data)
    bounds = payload.bounds.tolist()
    send = sock.send
    too_big: list[int] = []
    count, i = payload.count, 0
    while i < count:
        try:
            while i < count:
                send(view[bounds[i] : bounds[i + 1]])
                i += 1
        except OSError as exc:
            if exc.errno == errno.EMSGSIZE:
                too_big.append(i)
                i += 1
                continue
            raise OutputError(f"UDP send to {where} failed: {exc.strerror or exc}", sent=i) from exc
    return too_big
