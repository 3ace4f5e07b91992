"""The config bundle: the conf and every file it references, shipped to workers in WELCOME.

Paths are kept relative to the deepest folder holding all of them, so `sampleDir`, the default
`../samples` and relative token files resolve on the worker as they did on the controller.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from eventgen.conf.sample import Sample
from eventgen.core.errors import EventgenError
from eventgen.core.settings import strings_in
from eventgen.plugin.base import registry
from eventgen.resolve.config import RunConfig
from eventgen.resolve.loader import load

FILE_TOKENS = ("file", "mvfile", "seqfile")
_SKIP = {"__pycache__", ".git"}


class BundleError(EventgenError):
    """A bundle that cannot be built or safely unpacked."""


def referenced_paths(config: RunConfig) -> list[Path]:
    """The conf, its sample files, token files, plugin folders and generator templates (files only)."""
    found: list[Path] = [config.path]
    if config.project is not None:  # an Eventum project: the files its translation read, translated again there
        for path in config.project["files"]:
            found += _walk(Path(path))
    conf_dir = config.path.parent
    for folder in config.engine.pluginDir or ():  # declared without a default: None when not set
        found += _walk((conf_dir / folder).resolve())
    for sample in config.samples:
        if sample.path is not None:
            found.append(sample.path)
        for text in _lookup_files(sample):
            found.append(sample.resolve(text).resolve())
        found += _generator_paths(sample)
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(Path(path).resolve(), None)
    return list(unique)


def _lookup_files(sample: Sample) -> Iterator[str]:
    """The files a sample's tokens and its host token read, as written (a `:column` suffix dropped)."""
    texts = [spec.replacement for spec in sample.tokens if spec.rtype in FILE_TOKENS]
    host_file = sample.settings.get("host.replacement")
    if host_file and sample.settings.get("host.token") is not None:
        texts.append(host_file)
    for text in texts:
        yield re.sub(r":\d+$", "", text.strip())


def _generator_paths(sample: Sample) -> Iterator[Path]:
    """Files a generator reads: its `bundle_paths(sample)` hook if it has one; otherwise every string in its
    settings (also inside JSON values) naming an existing file or folder, and a `templates/` folder."""
    name = sample.settings.get("generator")
    if not name or not registry.has("generator", name):
        return
    plugin = registry.get("generator", name)
    hook = getattr(plugin, "bundle_paths", None)
    if hook is not None:
        for path in hook(sample):
            yield from _walk(Path(path).resolve())
        return
    bases = (sample.conf_path.parent, *sample.sample_dirs)
    declared = getattr(plugin, "settings", ())
    texts = [text for setting in declared for text in _strings(sample.settings.get(setting.name))]
    if declared:
        texts.append("templates")
    for text in texts:
        if Path(text).expanduser().is_absolute():
            continue  # the worker reads absolute paths from its own disk
        for base in bases:
            candidate = (base / text).resolve()
            if candidate.exists():
                if not any(candidate == b or candidate in b.parents for b in (Path(x).resolve() for x in bases)):
                    yield from _walk(candidate)  # never a folder that holds the conf or samples wholesale
                break


def _strings(value: Any) -> Iterator[str]:
    """Path-like strings in a setting's value (walking JSON lists and objects)."""
    for text in strings_in(value):
        text = text.strip()
        if text and len(text) < 1024 and "\n" not in text and not text.startswith(("{", "[")):
            yield text


def _walk(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
    elif path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and not _SKIP.intersection(child.parts):
                yield child


def build(config: RunConfig, overrides: dict[str, str], only: str | None) -> dict[str, Any]:
    """A msgpack-safe bundle: {"conf": rel path, "files": {rel: bytes}, "overrides", "only", "digest"}."""
    if not config.path.is_file():
        raise BundleError(f"{config.path}: distributed mode needs a conf file, not a folder")
    paths = referenced_paths(config)
    root = _common_root(paths)
    files = {}
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(paths):
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        files[rel] = data
        digest.update(rel.encode() + b"\0" + data)
    project = None
    if config.project is not None:  # msgpack-safe (a YAML params file may hold dates)
        project = json.loads(json.dumps({k: config.project[k] for k in ("params", "secrets", "name")}, default=str))
    digest.update(repr((sorted(overrides.items()), only, project)).encode())
    return {
        "conf": config.path.relative_to(root).as_posix(),
        "files": files,
        "absolute": {text: path.relative_to(root).as_posix() for text, path in _absolute_files(config).items()},
        "overrides": dict(overrides),
        "only": only,
        "digest": digest.hexdigest(),
        **({"project": project} if project is not None else {}),
    }


def _absolute_files(config: RunConfig) -> dict[str, Path]:
    """Token files named by an absolute path in the conf: the text as written → the file shipped for it."""
    found: dict[str, Path] = {}
    for sample in config.samples:
        for text in _lookup_files(sample):
            if Path(text).expanduser().is_absolute():
                found[text] = sample.resolve(text).resolve()
    return found


def _common_root(paths: Iterable[Path]) -> Path:
    parents = [p.parent for p in paths]
    root = parents[0]
    for parent in parents[1:]:
        while root != parent and root not in parent.parents:
            root = root.parent
    return root


def unpack(bundle: dict[str, Any], folder: Path) -> Path:
    """Write the bundle's files under `folder`; return the conf's path there. Rejects paths leaving it."""
    try:
        conf = str(bundle["conf"])
        files = bundle["files"]
        if not isinstance(files, dict):
            raise TypeError("files is not a map")
    except (KeyError, TypeError) as exc:
        raise BundleError(f"malformed bundle: {exc}") from None
    base = folder.resolve()
    for rel, data in files.items():
        target = _safe_path(base, rel)
        if not isinstance(data, bytes):
            raise BundleError(f"bundle file {rel!r} is not bytes")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    conf_path = _safe_path(base, conf)
    if not conf_path.is_file():
        raise BundleError(f"bundle lacks its conf {conf!r}")
    return conf_path


def _safe_path(base: Path, rel: Any) -> Path:
    if not isinstance(rel, str) or not rel:
        raise BundleError(f"bad bundle path {rel!r}")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts:
        raise BundleError(f"bundle path {rel!r} leaves the bundle folder")
    return base.joinpath(*pure.parts)


def load_bundle(bundle: dict[str, Any], folder: Path, worker_name: str) -> RunConfig:
    """Unpack and load the bundle's conf on a worker.

    Absolute token-file paths are pointed at the copies shipped in the bundle, and `{worker}` in any
    value of the conf (settings and tokens alike) and in the command-line overrides becomes `worker_name`.
    """
    conf_path = unpack(bundle, folder)
    text = conf_path.read_text(encoding="utf-8-sig")
    for original, rel in dict(bundle.get("absolute") or {}).items():
        text = text.replace(str(original), str(_safe_path(folder.resolve(), rel)))
    conf_path.write_text(text.replace("{worker}", worker_name), encoding="utf-8")
    overrides = {str(k): str(v).replace("{worker}", worker_name) for k, v in (bundle.get("overrides") or {}).items()}
    only = bundle.get("only") or None
    project = bundle.get("project")
    if isinstance(project, dict):
        from eventgen.resolve.eventum import load_translated

        params, secrets = dict(project.get("params") or {}), dict(project.get("secrets") or {})
        return load_translated(conf_path, params, secrets, overrides, only, str(project.get("name") or ""))
    return load(conf_path, overrides, only=only)
