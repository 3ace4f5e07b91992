"""`generator = script`: events from a Python file's `produce(params)`, as Eventum's script event plugin.

The file is loaded once per generator instance (`importlib`, from its path) and `produce` is called once per
timestamp with `params = {"timestamp": datetime, "tags": (...), "globals": GLOBALS}` (the process's globals,
shared with templates); it returns one event (a string) or several (a list of strings). State the script keeps
in module globals lasts for the run. See docs/scripts.md.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import threading
import types
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from eventgen.plugin import (
    GLOBALS,
    EventBatch,
    EventgenError,
    GenerationJob,
    GeneratorPlugin,
    PathKind,
    SampleProblem,
    Setting,
    SettingError,
    event_meta,
    parse_bool,
    parse_json,
    parse_str,
    sorted_job_times,
)

SCRIPT_STREAM = 0x736372697074  # "script": this generator's random stream of a job
_LOADED: dict[tuple[str, str], tuple[types.ModuleType, threading.Lock]] = {}  # (group, file) → its module
_LOADED_LOCK = threading.Lock()
_REPORTED: dict[tuple[str, str, str], str] = {}  # a state group's script problem → the stanza that reports it
_NAMES = itertools.count(1)

SETTINGS = (
    Setting(
        "scriptFile",
        parse_str,
        None,
        "The Python file defining `produce(params)`. Relative paths resolve as token files do: the working "
        "directory, the conf's folder, then the sample folders. Required.",
        path=PathKind.FILE,
    ),
    Setting(
        "scriptTags",
        parse_json,
        "[]",
        'JSON list the script sees as `params["tags"]` (Eventum\'s input `tags`), e.g. `["web", "eu"]`.',
        scope="schedule",
    ),
    Setting(
        "scriptStateful",
        parse_bool,
        "true",
        "The script keeps state between calls (module globals): every job of the sample runs on one loaded "
        "module, in order (pinned to one worker). `false` lets jobs run in parallel, each worker loading the "
        "file itself.",
    ),
    Setting(
        "scriptStateGroup",
        parse_str,
        None,
        "Samples naming the same group share one loaded module within a process, as one Eventum event plugin "
        "does across its inputs (an Eventum project's samples set it).",
    ),
)


class ScriptError(EventgenError):
    """A script that fails to load or to produce: names the file and line, then what went wrong."""


def locate(exc: BaseException, file: str) -> int | None:
    """The line of the innermost traceback frame that runs in `file` (None when none does)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == file:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _where(file: str, line: int | None) -> str:
    return f"{file}:{line}" if line else file


def load_script(path: Path) -> types.ModuleType:
    """Import the file as a fresh module; a ScriptError naming file:line when it does not compile or run."""
    file = str(path)
    name = f"eventgen_script_{next(_NAMES)}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ScriptError(f"script {file}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        raise ScriptError(f"script {_where(exc.filename or file, exc.lineno)}: syntax error: {exc.msg}") from None
    except OSError as exc:
        sys.modules.pop(name, None)
        raise ScriptError(f"script {file}: cannot read: {exc.strerror or exc}") from None
    except (Exception, SystemExit) as exc:
        sys.modules.pop(name, None)
        raise ScriptError(f"script {_where(file, locate(exc, file))}: {type(exc).__name__}: {exc}") from None
    produce = getattr(module, "produce", None)
    if not callable(produce):
        raise ScriptError(f"script {file}: defines no produce(params) function")
    return module


class ScriptGenerator(GeneratorPlugin):
    name = "script"
    summary = "Events from a Python file's produce(params), called once per timestamp (Eventum's script)."
    needs_sample_file = False
    settings = SETTINGS

    @classmethod
    def is_stateful(cls, sample: Any) -> bool:
        """Module globals are state: unless the stanza says otherwise, one module renders every job."""
        return bool(cls.config_of(sample.settings).scriptStateful)

    @classmethod
    def validate(cls, sample: Any) -> list[tuple[str, str]]:
        """Load the script as a run would (its top level runs). Samples of one state group share the module,
        so a broken one is reported once: by the stanza that first reported it, in every load."""
        try:
            cls(sample)
        except SampleProblem as problem:
            group = cls.config_of(sample.settings).scriptStateGroup
            if group:
                first = _REPORTED.setdefault((group, problem.key, problem.message), sample.stanza)
                if first != sample.stanza:
                    return []
            return [(problem.key, problem.message)]
        return []

    @classmethod
    def bundle_paths(cls, sample: Any) -> list[Path]:
        """The script, shipped to cluster workers with the conf."""
        try:
            return [script_path(sample, cls.config_of(sample.settings).scriptFile)]
        except SampleProblem:
            return []

    def __init__(self, sample: Any):
        super().__init__(sample)
        config = self.config
        self.path = script_path(sample, config.scriptFile)
        self.file = str(self.path)
        if not isinstance(config.scriptTags, list):
            raise SampleProblem(sample, "scriptTags", "must be a JSON list")
        self.tags = tuple(config.scriptTags)
        # a scheduleGroup: each member schedule's own tags
        self.member_tags = [tuple(self.config_of(m.settings).scriptTags) for m in sample.schedules]
        try:
            self.module, self.lock = _load(config.scriptStateGroup, self.path)
        except ScriptError as exc:
            raise SampleProblem(sample, "scriptFile", str(exc)) from None
        self.produce = self.module.produce
        self.tz = sample.tz
        self.meta = event_meta(sample.settings)
        self.sequential_time = bool(sample.settings.get("sequentialTimestamp"))

    def timestamps(self, job: GenerationJob, rng: np.random.Generator) -> np.ndarray:
        """Explicit times, else sorted draws in [earliest, latest)."""
        return sorted_job_times(job, rng, self.sequential_time)

    def generate(self, job: GenerationJob) -> EventBatch:
        rng = job.rng(self.sample.stable_id ^ SCRIPT_STREAM)
        epochs = self.timestamps(job, rng).tolist()
        tz, tags, produce = self.tz, self.tags, self.produce
        events: list[str] = []
        times: list[float] = []
        sources = job.extra.get("sources")  # a schedule group: each time's own input tags
        per_event = None if sources is None else [self.member_tags[k] for k in sources]
        with self.lock:
            for n, epoch in enumerate(epochs):
                if per_event is not None:
                    tags = per_event[n]
                try:
                    result = produce({"timestamp": datetime.fromtimestamp(epoch, tz), "tags": tags, "globals": GLOBALS})
                except (Exception, SystemExit) as exc:
                    raise ScriptError(
                        f"script {_where(self.file, locate(exc, self.file))}: {type(exc).__name__}: {exc}"
                    ) from None
                if isinstance(result, str):
                    text = result.strip("\r\n")
                    if text:
                        events.append(text)
                        times.append(epoch)
                    continue
                if not isinstance(result, list):
                    raise self._bad_result(f"produce returned {type(result).__name__}")
                for i, item in enumerate(result):
                    if not isinstance(item, str):
                        raise self._bad_result(f"produce returned a list whose item {i} is {type(item).__name__}")
                    text = item.strip("\r\n")
                    if text:
                        events.append(text)
                        times.append(epoch)
        return EventBatch(self.sample.label, job.seq, events, np.asarray(times, dtype=float), self.meta)

    def _bad_result(self, what: str) -> ScriptError:
        line = getattr(getattr(self.produce, "__code__", None), "co_firstlineno", None)
        return ScriptError(f"script {_where(self.file, line)}: {what}; expected a str or a list of str")


def _load(group: str | None, path: Path) -> tuple[types.ModuleType, threading.Lock]:
    """The script's module and the lock its calls hold: one for every sample of a state group in this process."""
    if not group:
        return load_script(path), threading.Lock()
    with _LOADED_LOCK:
        key = (group, str(path))
        if key not in _LOADED:
            _LOADED[key] = (load_script(path), threading.Lock())
        return _LOADED[key]


def script_path(sample: Any, value: str | None) -> Path:
    """The sample's `scriptFile` (`value`), found as token files are; a SampleProblem when unset or missing."""
    if not value:
        raise SampleProblem(sample, "scriptFile", "generator = script needs scriptFile (a .py file defining produce)")
    try:
        path = sample.resolve(value)
    except SettingError as exc:
        raise SampleProblem(sample, "scriptFile", str(exc)) from None
    return path.resolve()
