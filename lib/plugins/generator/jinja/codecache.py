"""Compiled templates kept for the life of the process: every generator of a sample (the one `validate` builds at
load, one per worker thread or state lane) compiles the same files with the same options, and compiling a 5 KB
template (parse, hoist, gather, generate, Python's compile) costs as much as rendering a few hundred events.

A Jinja bytecode cache holding code objects in memory, keyed by the environment's flavour (everything that
changes the generated code: its class, syntax and undefined type), the template's name and file, and checked
against the source's checksum (a file edited since is compiled again).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from hashlib import sha1

from jinja2.bccache import Bucket, BytecodeCache

_CODE: dict[str, tuple[str, object]] = {}  # cache key → (source checksum, code object)
_LOCK = threading.Lock()
MAX_TEMPLATES = 2048


class CodeCache(BytecodeCache):
    def __init__(self, flavour: str):
        self.flavour = flavour

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return f"{self.flavour}|{super().get_cache_key(name, filename)}"

    def load_bytecode(self, bucket: Bucket) -> None:
        kept = _CODE.get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:
            bucket.code = kept[1]  # type: ignore[assignment]  # Jinja types Bucket.code as None before a load

    def dump_bytecode(self, bucket: Bucket) -> None:
        with _LOCK:
            if len(_CODE) >= MAX_TEMPLATES:
                _CODE.clear()
            _CODE[bucket.key] = (bucket.checksum, bucket.code)


def remembered(key: str, source: str, build: Callable[[], object]) -> object:
    """What `build` makes of `source` (a code object, or None for "nothing to build"), kept under `key` like the
    templates' code and made again when the source changes."""
    checksum = sha1(source.encode("utf-8")).hexdigest()
    kept = _CODE.get(key)
    if kept is not None and kept[0] == checksum:
        return kept[1]
    made = build()
    with _LOCK:
        if len(_CODE) >= MAX_TEMPLATES:
            _CODE.clear()
        _CODE[key] = (checksum, made)
    return made
