"""Byte transports: ZeroMQ ROUTER (controller) / DEALER (worker, status client).

A transport moves opaque payloads; it knows nothing of the protocol. Each socket belongs to the
one thread that created it. `memory.py` has an in-memory stand-in with the same interface.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import zmq

from eventgen.core.errors import EventgenError
from eventgen.rpc.keys import read_key_file
from eventgen.rpc.protocol import MAX_MESSAGE_BYTES

log = logging.getLogger(__name__)


class TransportError(EventgenError):
    """The connection cannot work: bad address, refused authentication, missing keys."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """One received payload and who sent it; `problem` is set when the frames were malformed."""

    peer: bytes
    data: bytes
    problem: str = ""
    address: str = ""  # the sender's network address, where the transport knows it
    parts: tuple[memoryview | bytes, ...] = ()  # message parts after the first (payload bytes), not copied


class ServerTransport(Protocol):
    def send(self, peer: bytes, data: bytes) -> bool: ...
    def recv(self, timeout: float) -> Envelope | None: ...
    def close(self) -> None: ...


class ClientTransport(Protocol):
    def send(self, data: bytes, parts: Sequence[bytes | memoryview] = ()) -> bool: ...
    def recv(self, timeout: float) -> Envelope | None: ...
    def close(self) -> None: ...


def is_loopback(address: str) -> bool:
    """True for ipc://, inproc:// and tcp:// addresses on a loopback interface."""
    parts = urlsplit(address)
    if parts.scheme in ("ipc", "inproc"):
        return True
    if parts.scheme != "tcp":
        raise TransportError(f"unsupported address {address!r}: expected tcp://HOST:PORT")
    host = (parts.hostname or "").strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name or interface name: assume it is reachable from elsewhere


@dataclass(frozen=True)
class CurveServer:
    """The controller's Curve secret key file and the folder of authorised client public keys."""

    secret_key_file: Path
    authorized_dir: Path


@dataclass(frozen=True)
class CurveClient:
    """A client's own secret key file and the controller's public key file."""

    secret_key_file: Path
    server_key_file: Path


class _AuthorizedKeys:
    """ZAP credentials provider: allows the public keys found in a folder of key files, and the controller's own.

    An unknown key triggers one re-read of the folder (at most every 2 s), so keys added
    while the controller runs are accepted; each refusal is logged.
    """

    def __init__(self, folder: Path, on_refused: Callable[[str], None], own: bytes):
        self.folder = folder
        self.on_refused = on_refused
        self.own = own  # whoever holds the controller's secret key may ask it (`eventgen status` on its host)
        self._keys: set[bytes] = set()
        self._read_at = 0.0
        self.reload()

    def reload(self) -> None:
        keys = set()
        for path in sorted(self.folder.glob("*.key")):
            try:
                keys.add(read_key_file(path)[0])
            except (OSError, ValueError) as exc:
                log.warning("authorized key %s ignored: %s", path, exc)
        self._keys = keys | {self.own}
        self._read_at = time.monotonic()

    def allows(self, key: bytes) -> bool:
        """Whether `key` (z85) is authorized now: the folder is re-read at most every 2 s, so a removed key
        stops being accepted on already open connections too."""
        if time.monotonic() - self._read_at > 2.0:
            self.reload()
        return key in self._keys

    def callback(self, domain: str, key: bytes) -> bool:
        if key in self._keys:
            return True
        if time.monotonic() - self._read_at > 2.0:
            self.reload()
            if key in self._keys:
                return True
        self.on_refused(key.decode("ascii", "replace"))
        return False


class ZmqServer:
    """A bound ROUTER socket; peers are addressed by their DEALER identity."""

    def __init__(self, address: str, curve: CurveServer | None = None):
        self.context = zmq.Context()
        self.auth = None
        self.keys: _AuthorizedKeys | None = None
        self.refused: list[str] = []
        self.revoked: set[bytes] = set()
        sock = _socket(self.context, zmq.ROUTER, linger_ms=500)
        sock.setsockopt(zmq.ROUTER_MANDATORY, 1)
        if curve is not None:
            from zmq.auth.thread import ThreadAuthenticator

            public, secret = _key_pair(curve.secret_key_file)
            if not curve.authorized_dir.is_dir():
                raise TransportError(f"authorized keys folder {curve.authorized_dir} does not exist")
            self.auth = ThreadAuthenticator(self.context, log=logging.getLogger("eventgen.zap"))
            self.auth.start()
            self.keys = _AuthorizedKeys(curve.authorized_dir, self._refused, public)
            self.auth.configure_curve_callback("*", self.keys)
            sock.curve_server = True
            sock.curve_publickey = public
            sock.curve_secretkey = secret
        try:
            sock.bind(address)
        except zmq.ZMQError as exc:
            sock.close(0)
            self._stop_auth()
            self.context.term()
            raise TransportError(f"cannot bind {address}: {exc}") from None
        self.endpoint = sock.getsockopt_string(zmq.LAST_ENDPOINT)
        self.socket = sock
        self.monitor = sock.get_monitor_socket(
            zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
        )
        self.poller = zmq.Poller()
        self.poller.register(sock, zmq.POLLIN)
        self.poller.register(self.monitor, zmq.POLLIN)
        self.failed_handshakes = 0
        self._failure_logged = 0.0

    def _refused(self, key: str) -> None:
        self.refused.append(key)
        log.warning("refused a connection: Curve public key %s is not in the authorized keys", key)

    def send(self, peer: bytes, data: bytes) -> bool:
        try:
            self.socket.send_multipart([peer, data], flags=zmq.NOBLOCK, copy=len(data) < 65536)
            return True
        except zmq.ZMQError as exc:  # EHOSTUNREACH: peer gone; EAGAIN: its pipe is full
            log.debug("send to %r failed: %s", peer, exc)
            return False

    def recv(self, timeout: float) -> Envelope | None:
        ready = dict(self.poller.poll(int(timeout * 1000)))
        if self.monitor in ready:
            self._handshake_failed()
        if self.socket not in ready:
            return None
        frames = self.socket.recv_multipart(copy=False)
        peer = frames[0].bytes
        if self.keys is not None:
            key = str(frames[-1].get("User-Id") or "").encode()
            if not self.keys.allows(key):
                if key not in self.revoked:
                    self.revoked.add(key)
                    log.warning("refused a message from a revoked Curve key %s", key.decode("ascii", "replace"))
                return Envelope(peer, b"", "its Curve key is no longer authorized")
        if len(frames) < 2:
            return Envelope(peer, b"", "expected a payload frame, got none")
        try:
            address = str(frames[1].get("Peer-Address") or "")
        except zmq.ZMQError:  # not offered by this transport (ipc://, inproc://)
            address = ""
        return Envelope(peer, frames[1].bytes, address=address, parts=tuple(f.buffer for f in frames[2:]))

    def _handshake_failed(self) -> None:
        from zmq.utils.monitor import recv_monitor_message

        recv_monitor_message(self.monitor)
        self.failed_handshakes += 1
        if time.monotonic() - self._failure_logged > 10:
            self._failure_logged = time.monotonic()
            log.warning(
                "a connection failed the CurveZMQ handshake (%d so far): a worker with a wrong --server-key, "
                "or one not using CurveZMQ",
                self.failed_handshakes,
            )

    def _stop_auth(self) -> None:
        if self.auth is not None:
            self.auth.stop()
            self.auth = None

    def close(self) -> None:
        self.socket.disable_monitor()
        self.monitor.close(0)
        self.socket.close(500)
        self._stop_auth()
        self.context.term()


class ZmqClient:
    """A connected DEALER socket with a chosen identity; raises TransportError on refused authentication."""

    def __init__(self, address: str, identity: bytes, curve: CurveClient | None = None):
        self.context = zmq.Context()
        sock = _socket(self.context, zmq.DEALER, linger_ms=2000)
        sock.setsockopt(zmq.IDENTITY, identity)
        sock.setsockopt(zmq.IMMEDIATE, 1)  # nothing is queued for a controller that is not connected yet
        if curve is not None:
            public, secret = _key_pair(curve.secret_key_file)
            sock.curve_publickey = public
            sock.curve_secretkey = secret
            sock.curve_serverkey = _key_file(curve.server_key_file)[0]
        self.monitor = sock.get_monitor_socket(
            zmq.EVENT_HANDSHAKE_FAILED_AUTH
            | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
            | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
            | zmq.EVENT_HANDSHAKE_SUCCEEDED
            | zmq.EVENT_DISCONNECTED
        )
        self.failed_handshakes = 0
        self.link_down = False  # the connection to the controller dropped, and nothing was heard since
        self.hint = ""  # added to a failed handshake's message (which keys were used)
        self.poller = zmq.Poller()
        self.poller.register(sock, zmq.POLLIN)
        self.poller.register(self.monitor, zmq.POLLIN)
        try:
            sock.connect(address)
        except zmq.ZMQError as exc:
            self.close()
            raise TransportError(f"cannot connect to {address}: {exc}") from None
        self.socket = sock
        self.address = address
        self._wake_in: zmq.Socket | None = None
        self._wake_out: zmq.Socket | None = None

    def wakeup(self) -> Callable[[], None]:
        """A function one other thread may call to make a `recv` in progress return at once (a DONE is ready)."""
        address = f"inproc://wake-{id(self)}"
        self._wake_in = self.context.socket(zmq.PAIR)
        self._wake_in.bind(address)
        self._wake_out = self.context.socket(zmq.PAIR)
        self._wake_out.connect(address)
        self.poller.register(self._wake_in, zmq.POLLIN)
        out = self._wake_out
        return lambda: out.send(b"", zmq.NOBLOCK)

    def send(self, data: bytes, parts: Sequence[bytes | memoryview] = ()) -> bool:
        """`data`, then each of `parts` as a message part of its own (sent from where it lies: parts of 64 KiB and
        more are not copied, so they must not change until the message is sent)."""
        try:
            if parts:
                self.socket.send_multipart([data, *parts], flags=zmq.NOBLOCK, copy=False)
            else:
                self.socket.send(data, flags=zmq.NOBLOCK, copy=len(data) < 65536)
            return True
        except zmq.ZMQError as exc:
            log.debug("send failed: %s", exc)
            return False

    def recv(self, timeout: float) -> Envelope | None:
        ready = dict(self.poller.poll(int(timeout * 1000)))
        if self.monitor in ready and not self._monitor_event():
            return None
        if self._wake_in is not None and self._wake_in in ready:
            while self._wake_in.poll(0):
                self._wake_in.recv()
        if self.socket not in ready:
            return None
        frames = self.socket.recv_multipart()
        self.link_down = False
        if len(frames) != 1:
            return Envelope(b"controller", b"", f"expected 1 frame, got {len(frames)}")
        return Envelope(b"controller", frames[0])

    def _monitor_event(self) -> bool:
        """Track the connection; raise TransportError for a handshake that cannot succeed. False: come back later."""
        from zmq.utils.monitor import recv_monitor_message

        event = recv_monitor_message(self.monitor)
        kind = event["event"]
        if kind in (zmq.EVENT_HANDSHAKE_SUCCEEDED, zmq.EVENT_DISCONNECTED):
            self.link_down = kind == zmq.EVENT_DISCONNECTED
            return True
        if kind == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
            raise TransportError(
                f"the controller at {self.address} refused our Curve key "
                f"(status {event['value']}): it is not in its authorized keys{self.hint}"
            )
        if kind == zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL:
            self.failed_handshakes += 1
            if self.failed_handshakes < 3:
                return False
            raise TransportError(
                f"the CurveZMQ handshake with {self.address} failed {self.failed_handshakes} "
                f"times: --server-key does not hold that controller's public key{self.hint}"
            )
        raise TransportError(
            f"handshake with {self.address} failed: Curve keys (or their absence) do not match the controller's"
            f"{self.hint}"
        )

    def close(self) -> None:
        sock = getattr(self, "socket", None)
        for wake in (getattr(self, "_wake_in", None), getattr(self, "_wake_out", None)):
            if wake is not None:
                wake.close(0)
        if sock is not None:
            sock.disable_monitor()
        self.monitor.close(0)
        if sock is not None:
            sock.close()
        self.context.term()


def _socket(context: zmq.Context, kind: int, linger_ms: int) -> zmq.Socket:
    """A socket with the options both ends share: linger, message size cap, TCP keepalive."""
    sock = context.socket(kind)
    sock.setsockopt(zmq.LINGER, linger_ms)
    sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    sock.setsockopt(zmq.TCP_KEEPALIVE, 1)
    sock.setsockopt(zmq.TCP_KEEPALIVE_IDLE, 30)
    return sock


def _key_file(path: Path) -> tuple[bytes, bytes | None]:
    """A key file's keys; TransportError (bad input: exit status 2) when it is missing, unreadable or no key file."""
    try:
        return read_key_file(path)
    except OSError as exc:
        raise TransportError(f"cannot read key file {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise TransportError(str(exc)) from None


def _key_pair(secret_key_file: Path) -> tuple[bytes, bytes]:
    public, secret = _key_file(secret_key_file)
    if secret is None:
        raise TransportError(f"{secret_key_file} holds no secret key")
    return public, secret
