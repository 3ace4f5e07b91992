"""Private test networks made of Linux network namespaces (root and iproute2's `ip` required).

A `Lab` is one bridge inside its own "hub" namespace plus any number of host namespaces, each joined to
the bridge by a veth pair and given an address in 10.251.X.0/24. Every device is created inside the lab's
namespaces (none in the caller's), there is no default route, so nothing a host sends can leave the lab:

    with Lab() as lab:
        a, b = lab.add_host("a"), lab.add_host("b")
        server = b.popen([sys.executable, "-m", "http.server", "--bind", b.ip, "8000"])
        assert a.run(["curl", f"http://{b.ip}:8000/"]).returncode == 0
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

PREFIX = "egt"  # namespace names: egt-PID-LAB-NAME
_labs = itertools.count()


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and done.returncode:
        raise RuntimeError(f"ip {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done


def available() -> str | None:
    """Why network namespaces cannot be made here, or None when they can."""
    if not sys.platform.startswith("linux"):
        return f"network namespaces need Linux, not {sys.platform}"
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "`ip` (iproute2) is not installed"
    probe = f"{PREFIX}-{os.getpid()}-probe"
    made = _ip("netns", "add", probe, check=False)
    if made.returncode:
        return f"`ip netns add` is not permitted here: {made.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    return None


def sweep() -> list[str]:
    """Delete namespaces left by earlier runs of this module whose process is gone; return their names."""
    removed = []
    for line in _ip("netns", "list", check=False).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        match = re.fullmatch(rf"{PREFIX}-(\d+)-.+", name)
        if match and not os.path.exists(f"/proc/{match.group(1)}"):
            _ip("netns", "del", name, check=False)
            removed.append(name)
    return removed


class Host:
    """One namespace on the lab's bridge: `ns`, `ip`, and the processes started in it."""

    def __init__(self, lab: Lab, name: str, ns: str, ip: str, port: str):
        self.lab, self.name, self.ns, self.ip, self.port = lab, name, ns, ip, port
        self.procs: list[subprocess.Popen] = []

    def argv(self, argv: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", self.ns, *map(str, argv)]

    def popen(self, argv: Sequence[str], **kw: Any) -> subprocess.Popen:
        """Start `argv` in this namespace, in a new session (signal it with `os.killpg(proc.pid, ...)`)."""
        kw.setdefault("start_new_session", True)
        proc = subprocess.Popen(self.argv(argv), **kw)
        self.procs.append(proc)
        return proc

    def run(self, argv: Sequence[str], timeout: float = 30, **kw: Any) -> subprocess.CompletedProcess:
        """Run `argv` in this namespace to completion (output captured as text unless told otherwise)."""
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        return subprocess.run(self.argv(argv), timeout=timeout, **kw)

    def link(self, up: bool) -> None:
        """Plug (True) or cut (False) this host's cable: its veth end on the bridge goes up or down.

        The host keeps its address and route but sees NO-CARRIER, so its packets are dropped, as with a cut
        cable; established TCP connections survive a short cut."""
        _ip("-n", self.lab.hub, "link", "set", self.port, "up" if up else "down")

    def stop(self, grace: float = 5) -> None:
        """SIGTERM the process group of every process started here, then SIGKILL what is left."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            alive = [p for p in self.procs if p.poll() is None]
            for proc in alive:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, sig)
            for proc in alive:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(grace)


class Lab:
    """A bridge namespace and host namespaces on 10.251.`subnet`.0/24; removed again on exit, whatever happens."""

    def __init__(self, subnet: int | None = None):
        self.index = next(_labs)
        self.tag = f"{PREFIX}-{os.getpid()}-{self.index}"
        self.subnet = (os.getpid() + self.index) % 254 + 1 if subnet is None else subnet
        self.hub = f"{self.tag}-hub"
        self.hosts: dict[str, Host] = {}
        self.namespaces: list[str] = []

    def __enter__(self) -> Lab:
        try:
            sweep()
            self._add_ns(self.hub)
            _ip("-n", self.hub, "link", "add", "br0", "type", "bridge", "stp_state", "0")
            _ip("-n", self.hub, "link", "set", "br0", "up")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _add_ns(self, ns: str) -> None:
        _ip("netns", "add", ns)
        self.namespaces.append(ns)
        _ip("-n", ns, "link", "set", "lo", "up")

    def add_host(self, name: str) -> Host:
        """A new namespace joined to the bridge, with the next free address (.1, .2, ...)."""
        if name in self.hosts or not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", name):
            raise ValueError(f"bad or duplicate host name {name!r}")
        number = len(self.hosts) + 1
        host = Host(self, name, f"{self.tag}-{name}", f"10.251.{self.subnet}.{number}", f"p{number}")
        try:
            self._add_ns(host.ns)
            self.hosts[name] = host
            # Both ends are born in the hub namespace, then one moves: the caller's namespace never holds them.
            _ip("-n", self.hub, "link", "add", host.port, "type", "veth", "peer", "name", "eth0")
            _ip("-n", self.hub, "link", "set", "eth0", "netns", host.ns)
            _ip("-n", self.hub, "link", "set", host.port, "master", "br0", "up")
            _ip("-n", host.ns, "addr", "add", f"{host.ip}/24", "dev", "eth0")
            _ip("-n", host.ns, "link", "set", "eth0", "up")
        except BaseException:
            self.close()
            raise
        return host

    def close(self) -> None:
        """Stop every process started in the lab, delete its veths and namespaces (idempotent)."""
        try:
            for host in self.hosts.values():
                host.stop()
        finally:
            for host in self.hosts.values():
                _ip("-n", self.hub, "link", "del", host.port, check=False)
            while self.namespaces:
                _ip("netns", "del", self.namespaces.pop(), check=False)
