"""Socket helpers shared by the network outputs: a reconnecting stream connection, UDP sends,
TLS contexts, and the byte offsets of events inside a batch payload."""

from __future__ import annotations

import errno
import select
import socket
import ssl
from collections.abc import Sequence
from itertools import accumulate

from eventgen.plugin import OutputError

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
            try:
                sock = self.tls.wrap_socket(sock, server_hostname=self.server_name)
            except ssl.SSLCertVerificationError as exc:
                sock.close()
                raise OutputError(
                    f"TLS certificate of {self.where} rejected: {exc.verify_message}", retryable=False
                ) from exc
            except (ssl.SSLError, OSError) as exc:
                sock.close()
                raise OutputError(f"TLS handshake with {self.where} failed: {exc}") from exc
        self.sock = sock

    def peer_closed(self) -> bool:
        """True when the peer has closed or reset the connection (checked without blocking)."""
        if self.sock is None:
            return True
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        if not poller.poll(0):
            return False  # nothing to read: the peer is still there
        try:  # the raw socket even under TLS: b"" means the peer closed
            data = socket.socket.recv(self.sock, 1, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
        return data == b""

    def send(self, data: bytes | memoryview) -> None:
        """One `sendall`; (re)connects first when needed. Raises OutputError when it fails."""
        if self.sock is None or self.peer_closed():
            self.connect()
        assert self.sock is not None
        try:
            self.sock.sendall(data)
        except TimeoutError as exc:
            self.close()
            raise OutputError(f"{self.where} did not accept data within {self.timeout:g}s") from exc
        except OSError as exc:
            self.close()
            raise OutputError(f"sending to {self.where} failed: {exc.strerror or exc}") from exc

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None


class Progress:
    """How far the current batch got, so a retried batch resumes instead of sending twice."""

    def __init__(self) -> None:
        self.batch: object | None = None
        self.done = 0
        self.rejected: list[int] = []  # indices that can never be sent (too large), kept across retries

    def start(self, batch: object) -> int:
        if batch is not self.batch:
            self.batch, self.done, self.rejected = batch, 0, []
        return self.done

    def finish(self) -> None:
        self.batch, self.done, self.rejected = None, 0, []


def line_bounds(lines: Sequence[str], ascii_text: bool, terminator: int = 1) -> list[int]:
    """Byte offsets of each line in the UTF-8 payload of `lines`, each followed by `terminator` bytes."""
    sizes = map(len, lines) if ascii_text else (len(line.encode()) for line in lines)
    return [0, *accumulate(size + terminator for size in sizes)]
