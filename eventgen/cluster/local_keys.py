"""This user's own CurveZMQ key pair, made on first use: how a controller on loopback and its local workers
and status probes authenticate when no keys are given.

The pair lives in `$XDG_CONFIG_HOME/eventgen/keys` (default `~/.config/eventgen/keys`), a folder made 0700,
as `local.key_secret` (0600, holding both keys) and `local.key` (the public key, to share). The controller
serves with it and lets in the public keys of that folder (`*.key`: this user's own, and any other put
there); a worker or `eventgen status` connects with it and expects it as the controller's key. So only
processes that can read the user's secret file join; another user's process is refused at the handshake.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from eventgen.core.errors import EventgenError
from eventgen.rpc.keys import write_key_pair

NAME = "local"


def keys_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "eventgen" / "keys"


def local_secret(folder: Path | None = None) -> Path:
    """The secret key file of this user's pair (made now if there is none); EventgenError when it cannot be made
    or may be read by other users."""
    folder = folder or keys_dir()
    secret = folder / f"{NAME}.key_secret"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not secret.exists():
            _make(folder, secret)
        loose = secret.stat().st_mode & 0o077
    except OSError as exc:
        raise EventgenError(
            f"cannot make the local CurveZMQ keys in {folder}: {exc.strerror or exc}; set XDG_CONFIG_HOME to a "
            "folder of yours, or pass the keys (--curve-key/--server-key, --curve-secret-key/--authorized-keys)"
        ) from None
    if loose:
        raise EventgenError(f"{secret} may be read by other users: `chmod 600 {secret}` (or delete it for a new pair)")
    return secret


def _make(folder: Path, secret: Path) -> None:
    """A new pair, made aside and linked into place: of two processes making one at once, the first wins."""
    staging = Path(tempfile.mkdtemp(prefix=".new-", dir=folder))
    try:
        public_file, secret_file = write_key_pair(staging, NAME)
        try:
            os.link(secret_file, secret)
        except FileExistsError:
            return
        os.replace(public_file, folder / f"{NAME}.key")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
