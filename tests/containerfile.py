"""The Containerfile and its build context as the tests read them: its instructions, the files its builder stage
copies, and `.containerignore` applied with the container engines' rules (Podman, Buildah and Docker share
them): patterns are paths from the context's root, `*` and `?` stay within one path segment, `**` spans any
number of them, a pattern that matches a folder matches everything in it, `!` brings back what an earlier
pattern left out, and the last pattern that matches a path decides."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
CONTAINERFILE = ROOT / "Containerfile"
IGNORE_FILE = ROOT / ".containerignore"
DOCKER_IGNORE_FILE = ROOT / ".dockerignore"
# what building the wheel reads besides the packages: pyproject.toml, setup.cfg, setup.py and README.md (setup.cfg
# reads it as the long description)
BUILD_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "README.md")
PACKAGE_TREES = ("eventgen", "lib/plugins")  # installed as eventgen and eventgen_plugins


def containerfile_lines() -> list[str]:
    """Instructions of the Containerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", CONTAINERFILE.read_text(encoding="utf-8"))
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@dataclass(frozen=True)
class Copy:
    """One COPY from the build context: its sources and its destination (relative to the stage's WORKDIR)."""

    stage: int
    sources: tuple[str, ...]
    dest: str


def context_copies() -> list[Copy]:
    """Every COPY that takes files from the build context (not `--from` another stage), with its stage number."""
    found, stage = [], -1
    for line in containerfile_lines():
        words = line.split()
        if words[0] == "FROM":
            stage += 1
        elif words[0] == "COPY" and not any(w.startswith("--from") for w in words):
            *sources, dest = [w for w in words[1:] if not w.startswith("--")]
            found.append(Copy(stage, tuple(sources), dest))
    return found


def builder_copies() -> list[Copy]:
    return [c for c in context_copies() if c.stage == 0]


# ----- .containerignore ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    parts: tuple[str, ...]
    keep: bool  # a `!` pattern: brings files back


def ignore_patterns(path: Path = IGNORE_FILE) -> list[Pattern]:
    patterns = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        text = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
        patterns.append(Pattern(tuple(PurePosixPath(text).parts), keep))
    return patterns


def _matches(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_matches(rest, path[i:]) for i in range(len(path) + 1))
    return bool(path) and fnmatch.fnmatchcase(path[0], head) and _matches(rest, path[1:])


def ignored(relative: str | PurePosixPath, patterns: list[Pattern] | None = None) -> bool:
    """Whether the engines leave `relative` (a path from the context's root) out of the build context."""
    parts = PurePosixPath(relative).parts
    verdict = False
    for pattern in ignore_patterns() if patterns is None else patterns:
        if any(_matches(pattern.parts, parts[:n]) for n in range(1, len(parts) + 1)):
            verdict = not pattern.keep
    return verdict


def _may_bring_back(folder: tuple[str, ...], patterns: list[Pattern]) -> bool:
    """Whether a `!` pattern might match something inside an ignored folder (so it must still be walked)."""
    for pattern in patterns:
        if pattern.keep:
            prefix = pattern.parts[: len(folder)]
            if any(c in part for part in prefix for c in "*?[") or prefix == folder[: len(prefix)]:
                return True
    return False


def context_files(root: Path = ROOT) -> list[PurePosixPath]:
    """The files of the build context the engines would send: every file under `root` that is not ignored."""
    patterns = ignore_patterns(root / IGNORE_FILE.name)
    found = []
    for folder, dirs, files in os.walk(root):
        here = PurePosixPath(Path(folder).relative_to(root).as_posix())
        dirs[:] = [
            d
            for d in dirs
            if not ignored(here / d, patterns) or _may_bring_back((here / d).parts, patterns)  # type: ignore[operator]
        ]
        found += [here / f for f in files if not ignored(here / f, patterns)]
    return sorted(found)


def stage_builder_context(target: Path, root: Path = ROOT) -> list[PurePosixPath]:
    """Lay out in `target` what the builder stage's COPY instructions put in its WORKDIR, from the build context
    (the ignore file applied); return the paths laid out, relative to `target`."""
    sent = context_files(root)
    laid: list[PurePosixPath] = []
    for copy in builder_copies():
        dest = PurePosixPath(copy.dest)
        for source in copy.sources:
            src = PurePosixPath(source.rstrip("/"))
            if (root / src).is_dir():
                pairs = [(f, dest / f.relative_to(src)) for f in sent if src in f.parents]
            else:
                pairs = [(src, dest / src.name if copy.dest.endswith("/") else dest)] if src in sent else []
            for source_file, placed in pairs:
                (target / placed).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / source_file, target / placed)
                laid.append(PurePosixPath(os.path.normpath(placed)))
    return sorted(laid)


def package_files(root: Path = ROOT) -> list[PurePosixPath]:
    """Every file the installed program is made of, as in the checkout: the package trees (caches left out)."""
    found = []
    for tree in PACKAGE_TREES:
        for path in sorted((root / tree).rglob("*")):
            relative = PurePosixPath(path.relative_to(root).as_posix())
            if path.is_file() and "__pycache__" not in relative.parts and path.suffix not in (".pyc", ".pyo"):
                found.append(relative)
    return found
