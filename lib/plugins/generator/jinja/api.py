"""The `module` and `subprocess` objects templates see."""

from __future__ import annotations

import importlib
import importlib.util
import random
import subprocess as _subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from eventgen.plugin import TemplateError

from .content import LIBRARIES, content_module
from .rand import Rand


class Modules:
    """`module.<name>`: `rand`, then `<jinjaModulesDir>/<name>.py` (or a package folder), then `faker` and
    `mimesis` with Eventum's `locale[...]` wrapper, then any installed Python module (not in the sandbox).
    A user module defining `eventgen_setup(rng)` receives the generator's seeded `random.Random` when first
    used, so it can stay reproducible under `--seed`."""

    def __init__(self, rand: Rand, rng: random.Random, modules_dir: Path | None, sandbox: bool):
        self._rand = rand
        self._rng = rng
        self._dir = modules_dir
        self._sandbox = sandbox
        self.rand = rand

    def __getattr__(self, name: str) -> Any:
        """Called once per name: the module loaded becomes a plain attribute, so later lookups cost nothing."""
        if name.startswith("_"):
            raise AttributeError(name)
        loaded = self._load(name)
        setattr(self, name, loaded)
        return loaded

    def __getitem__(self, name: str) -> Any:
        return self.__getattr__(name)

    def _load(self, name: str) -> Any:
        if self._dir is not None:
            for path, package in ((self._dir / f"{name}.py", False), (self._dir / name / "__init__.py", True)):
                if path.is_file():
                    return self._load_file(name, path, package)
        if self._sandbox:
            raise AttributeError(f"module {name!r} is not in jinjaModulesDir (the sandbox allows no other modules)")
        if name in LIBRARIES:  # Eventum's wrappers: `module.faker.locale['en_US']`, `module.mimesis.locale['en']`
            return content_module(name, self._rng)
        try:
            return importlib.import_module(name)
        except ImportError as exc:
            where = f" in {self._dir} or" if self._dir is not None else ""
            raise AttributeError(f"module {name!r} not found{where} among installed modules ({exc})") from None

    def _load_file(self, name: str, path: Path, package: bool) -> ModuleType:
        unique = f"eventgen_jinja_modules_{id(self):x}.{name}"
        spec = importlib.util.spec_from_file_location(
            unique, path, submodule_search_locations=[str(path.parent)] if package else None
        )
        if spec is None or spec.loader is None:
            raise AttributeError(f"cannot load module {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[unique] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(unique, None)
            raise TemplateError(f"module {path} failed to load: {type(exc).__name__}: {exc}") from exc
        setup = getattr(module, "eventgen_setup", None)
        if callable(setup):
            setup(self._rng)
        return module


class CommandResult:
    """What `subprocess.run` returns (`exit_code` is None for a command started without waiting)."""

    __slots__ = ("command", "exit_code", "stderr", "stdout")

    def __init__(self, command: str, stdout: str, stderr: str, exit_code: int | None):
        self.command = command
        self.stdout = stdout
        self.stderr = stderr
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.stdout

    def __repr__(self) -> str:
        return f"CommandResult(exit_code={self.exit_code}, stdout={self.stdout!r})"


class Subprocess:
    """`subprocess.run(command, cwd=None, env=None, timeout=30)`, only when the stanza sets
    `jinjaAllowSubprocess = true`. Commands run on every render that calls them, in the conf's folder.

    Both of Eventum's forms work: its current one (a second positional argument is the working directory) and
    its first one, `subprocess.run(command, true)`, where the second argument is the `block` flag: true (the
    default here) waits and returns the output; false starts the command in the background and returns an
    empty result at once. The result prints as its stdout, so `| trim` gives the output text.
    """

    def __init__(self, allowed: bool, cwd: Path, stanza: str):
        self._allowed = allowed
        self._cwd = cwd
        self._stanza = stanza

    def run(
        self,
        command: str,
        cwd_or_block: str | Path | bool | None = None,
        env: dict[str, str] | None = None,
        timeout: float | None = 30,
        *,
        cwd: str | Path | None = None,
        block: bool | None = None,
    ) -> CommandResult:
        if not self._allowed:
            raise TemplateError(
                f"subprocess.run is disabled: set jinjaAllowSubprocess = true in [{self._stanza}] "
                "to let templates run commands"
            )
        if isinstance(cwd_or_block, bool):  # Eventum 1.x: run(command, block)
            block = cwd_or_block if block is None else block
        elif cwd_or_block is not None:
            if cwd is not None:
                raise TemplateError("subprocess.run: working directory given twice (positionally and as cwd=)")
            cwd = cwd_or_block
        workdir = self._cwd if cwd is None else (self._cwd / cwd)
        try:
            if block is False:
                _subprocess.Popen(
                    command,
                    shell=True,
                    cwd=workdir,
                    env=env,
                    stdin=_subprocess.DEVNULL,
                    stdout=_subprocess.DEVNULL,
                    stderr=_subprocess.DEVNULL,
                )
                return CommandResult(command, "", "", None)
            done = _subprocess.run(
                command, shell=True, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout
            )
        except _subprocess.TimeoutExpired:
            raise TemplateError(f"subprocess.run({command!r}) timed out after {timeout}s") from None
        except OSError as exc:
            raise TemplateError(f"subprocess.run({command!r}) cannot start in {workdir}: {exc.strerror}") from None
        return CommandResult(command, done.stdout, done.stderr, done.returncode)
