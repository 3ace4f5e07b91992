"""Socket helpers shared by the network outputs: a reconnecting stream connection that resumes a
partial send, and TLS contexts."""

from __future__ import annotations

import errno
import select
import socket
import ssl

from eventgen.plugin import OutputError, Payload

DEAD_PEER = (errno.ECONNRESET, errno.EPIPE, errno.ENOTCONN, errno.ETIMEDOUT)


def tls_context(
    verify: bool, ca_file: str | None = None, cert_file: str | None = None, key_file: str | None = None
) -> ssl.SSLContext:
    """A client TLS context; verification (certificate and host name) is on unless `verify` is false."""
    context = ssl.create_default_context(cafile=ca_file or None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cert_file:
        context.load_cert_chain(cert_file, key_file or None)
    return context


def peer_gone(sock: socket.socket) -> bool:
    """True when the peer of a connected socket has closed or reset it (checked without blocking)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    if not poller.poll(0):
        return False  # nothing to read: the peer is still there
    try:  # the raw socket even under TLS: b"" means the peer closed
        data = socket.socket.recv(sock, 1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True
    return data == b""


RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})  # HTTP answers worth a retry (timeout, busy, down)


def tls_wrap(sock: socket.socket, tls: ssl.SSLContext, server_name: str, where: str) -> ssl.SSLSocket:
    """`sock` after a TLS handshake; a rejected certificate is an OutputError not worth retrying."""
    try:
        return tls.wrap_socket(sock, server_hostname=server_name)
    except ssl.SSLCertVerificationError as exc:
        sock.close()
        raise OutputError(f"TLS certificate of {where} rejected: {exc.verify_message}", retryable=False) from exc
    except (ssl.SSLError, OSError) as exc:
        sock.close()
        raise OutputError(f"TLS handshake with {where} failed: {exc}") from exc


class StreamConnection:
    """A TCP (optionally TLS) connection that notices a closed peer before writing to it.

    A peer that closed (receiver restarted) is only reported by the kernel after a write was
    lost, so `send` peeks at the socket first and reconnects when the peer has gone.
    """

    def __init__(
        self, host: str, port: int, timeout: float, tls: ssl.SSLContext | None = None, server_name: str | None = None
    ):
        self.host, self.port, self.timeout = host, port, timeout
        self.tls, self.server_name = tls, server_name or host
        self.sock: socket.socket | None = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def connect(self) -> None:
        self.close()
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise OutputError(f"cannot connect to {self.where}: {exc.strerror or exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls is not None:
            sock = tls_wrap(sock, self.tls, self.server_name, self.where)
        self.sock = sock

    def peer_closed(self) -> bool:
        """True when the peer has closed or reset the connection (checked without blocking)."""
        return self.sock is None or peer_gone(self.sock)

    def send(self, data: bytes | memoryview) -> None:
        """Send all of `data`; (re)connects first when needed. On failure raises a `PartialSend`
        telling how many bytes the kernel took, so the caller can resume instead of resending."""
        if self.sock is None or self.peer_closed():
            self.connect()
        assert self.sock is not None
        view, done = memoryview(data), 0
        send = self.sock.send
        try:
            while done < len(view):
                done += send(view[done:])
        except TimeoutError as exc:
            self.close()
            raise PartialSend(f"{self.where} did not accept data within {self.timeout:g}s", done) from exc
        except OSError as exc:
            self.close()
            raise PartialSend(f"sending to {self.where} failed: {exc.strerror or exc}", done) from exc

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None


class PartialSend(OutputError):
    """A stream send that failed after the kernel took `done` bytes."""

    def __init__(self, message: str, done: int):
        super().__init__(message)
        self.done = done


def send_resuming(conn: StreamConnection, payload: Payload) -> None:
    """Send a payload; after a failure mid-batch, tell `deliver` to resume at the event holding the
    first byte the kernel did not take (that event is resent whole and counted as resent)."""
    try:
        conn.send(payload.data)
    except PartialSend as exc:
        first = payload.event_at(exc.done)
        exc.sent = first
        if first < payload.count and exc.done > int(payload.bounds[first]):
            exc.resent = 1  # its first bytes went out: the receiver may hold a truncated copy
        raise
