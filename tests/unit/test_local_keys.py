"""This user's own CurveZMQ pair: made on first use in a folder only the user may enter, one pair however many
processes ask at once, and refused when other users may read its secret."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from eventgen.cluster.local_keys import keys_dir, local_secret
from eventgen.core.errors import EventgenError
from eventgen.rpc.keys import read_key_file


def test_made_on_first_use_private_and_the_same_for_everyone_who_asks(tmp_path: Path) -> None:
    folder = tmp_path / "config" / "eventgen" / "keys"
    found: list[Path] = []
    threads = [threading.Thread(target=lambda: found.append(local_secret(folder))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(found) == {folder / "local.key_secret"}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "local.key_secret").stat().st_mode) == 0o600
    public, secret = read_key_file(folder / "local.key_secret")
    assert secret is not None and read_key_file(folder / "local.key") == (public, None)
    assert sorted(p.name for p in folder.iterdir()) == ["local.key", "local.key_secret"]  # no staging left
    assert local_secret(folder) == folder / "local.key_secret" and read_key_file(found[0])[0] == public


def test_a_secret_others_may_read_is_refused_and_the_folder_follows_xdg(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert keys_dir() == tmp_path / "eventgen" / "keys"
    secret = local_secret()
    secret.chmod(0o644)
    with pytest.raises(EventgenError, match="may be read by other users: `chmod 600"):
        local_secret()
