"""Load-time checks shared by the network outputs (their `check`): the TLS files their settings name."""

from __future__ import annotations

import os
import ssl

from eventgen.plugin import Config

Problems = list[tuple[str, str]]


def tls_problems(config: Config, ca: str, cert: str = "", key: str = "") -> Problems:
    """The TLS files named by the settings `ca` (a CA bundle), `cert` (a client certificate) and `key` (its key):
    each given one must be a file; the bundle must load, and the certificate with its key; a key needs its
    certificate. Read as the run reads them (no `~` expansion), so what passes here loads there."""
    files = {name: config.get(name) for name in (ca, cert, key) if name and config.get(name)}
    problems: Problems = [
        (name, f"file {value} does not exist or is not a file: give the path of a PEM file")
        for name, value in files.items()
        if not os.path.isfile(value)
    ]
    if key in files and cert not in files:
        problems.append((key, f"needs {cert} (the client certificate the key belongs to)"))
    if problems or not files:
        return problems
    try:
        context = ssl.create_default_context(cafile=files.get(ca))
    except (ssl.SSLError, OSError) as exc:
        return [(ca, f"cannot load CA file: {files.get(ca)}: {exc}")]
    if cert in files:
        try:
            context.load_cert_chain(files[cert], files.get(key))
        except (ssl.SSLError, OSError) as exc:
            return [(cert, f"cannot load client certificate/key: {files[cert]}: {exc}")]
    return []
