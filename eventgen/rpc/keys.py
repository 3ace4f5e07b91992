"""CurveZMQ key pairs as text files: `NAME.key` (public, shareable) and `NAME.key_secret` (keep private).

The files use ZeroMQ's certificate layout (readable by `zmq.auth.load_certificate`), holding
Z85-encoded 40-character keys. A file holding just one Z85 public key on a line is read too.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import zmq

_KEY_LINE = re.compile(r'^\s*(public|secret)-key\s*=\s*"?([^"\s]{40})"?\s*$')


def write_key_pair(folder: Path, name: str) -> tuple[Path, Path]:
    """Create a new key pair in `folder`; return (public file, secret file). Refuses to overwrite."""
    folder.mkdir(parents=True, exist_ok=True)
    public_path = folder / f"{name}.key"
    secret_path = folder / f"{name}.key_secret"
    for path in (public_path, secret_path):
        if path.exists():
            raise FileExistsError(f"{path} exists; remove it or choose another --name")
    public, secret = zmq.curve_keypair()
    header = "#   eventgen CurveZMQ {kind} key ({name})\n"
    public_text = header.format(kind="public", name=name) + f'metadata\ncurve\n    public-key = "{public.decode()}"\n'
    secret_text = (
        header.format(kind="SECRET", name=name)
        + "#   Do not share this file.\n"
        + f'metadata\ncurve\n    public-key = "{public.decode()}"\n'
        + f'    secret-key = "{secret.decode()}"\n'
    )
    public_path.write_text(public_text, encoding="ascii")
    fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret_text)
    return public_path, secret_path


def read_key_file(path: Path) -> tuple[bytes, bytes | None]:
    """(public key, secret key or None) from a key file; ValueError when it holds no public key."""
    text = Path(path).read_text(encoding="ascii", errors="replace")
    found: dict[str, bytes] = {}
    for line in text.splitlines():
        match = _KEY_LINE.match(line)
        if match:
            found[match.group(1)] = match.group(2).encode()
    if "public" not in found:
        bare = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        if len(bare) == 1 and len(bare[0]) == 40:
            found["public"] = bare[0].encode()
    if "public" not in found:
        raise ValueError(f"{path}: no Curve public key found")
    if "secret" in found and zmq.curve_public(found["secret"]) != found["public"]:
        raise ValueError(f"{path}: the public key does not belong to the secret key")
    return found["public"], found.get("secret")


def default_key_name() -> str:
    return socket.gethostname().split(".")[0] or "eventgen"
