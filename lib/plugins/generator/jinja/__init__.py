"""`generator = jinja`: events rendered from Jinja templates, with state, samples, modules and picking modes.

Compatible with Splunk Eventgen's jinja generator (`jinja_template_dir`, `jinja_target_template`,
`jinja_variables`, time tags) and with what Eventum's template plugin offers. See docs/templates.md.
"""

from __future__ import annotations

import json
import random
import types
from collections import deque
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import numpy as np
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from eventgen.plugin import (
    ConfigError,
    EventBatch,
    EventgenError,
    GenerationJob,
    GeneratorPlugin,
    PathKind,
    Setting,
    TemplateError,
    choice,
    parse_bool,
    parse_json,
    parse_list,
    parse_str,
)

from .api import Modules, Subprocess
from .dispatch import DISPATCH, Dispatched, Exhaust, Next
from .fsm import compile_condition
from .pickers import MODES, Picker, TemplateSpec, make_picker
from .rand import Rand
from .samples import Samples, Table, load_table
from .state import GLOBALS, State
from .timetags import TimeTags

JINJA_STREAM = 0x6A696E6A61  # "jinja": this generator's random stream of a job
META_KEYS = ("host", "source", "sourcetype", "index")
SPEC_KEYS = ("template", "vars", "chance", "initial", "transitions")
_STATE_GROUPS: dict[str, dict[tuple[str, ...], Any]] = {}  # jinjaStateGroup → its shared state objects
_PLAIN_FUNCTIONS: set[Any] = set()  # Python functions seen without a Jinja pass_* marker

SETTINGS = (
    Setting(
        "jinja_template_dir",
        parse_str,
        None,
        "Folder of the templates. Relative paths resolve against the conf's folder, then the sample folders. "
        "Default: `templates/` in the sample folder or the conf's folder.",
        path=PathKind.FOLDER,
    ),
    Setting(
        "jinja_target_template",
        parse_str,
        None,
        "Eventgen's single template file (in the template folder). Use `jinjaTemplates` for several.",
    ),
    Setting(
        "jinja_variables",
        parse_json,
        None,
        "JSON object of variables every template sees by name (and as `params`). Optional.",
    ),
    Setting(
        "jinja_count_type",
        choice("cycles"),
        "cycles",
        "Eventgen's count semantics: `count` is the number of template renders (cycles) per interval.",
    ),
    Setting(
        "jinjaTemplates",
        parse_json,
        None,
        "JSON object (or list of one-key objects) of templates by alias: "
        '`{"login": {"template": "login.j2", "vars": {..}, "chance": 2, "initial": true, '
        '"transitions": [{"to": "browse", "when": ..}]}}`. A plain list of file names also works.',
    ),
    Setting(
        "jinjaMode",
        choice(*MODES),
        "all",
        "How templates are picked per timestamp: `all` (each renders), `any` (uniform), `chance` (weighted by "
        "`chance`), `spin` (round-robin), `chain` (round-robin over `jinjaChain`), `fsm` (state machine).",
    ),
    Setting("jinjaChain", parse_list, None, "For `jinjaMode = chain`: template aliases in order, e.g. `a, a, b`."),
    Setting(
        "jinjaSamples",
        parse_json,
        None,
        'JSON object of tables templates draw from as `samples.<alias>`: `{"users": {"type": "csv", '
        '"source": "users.csv", "header": true}}`; types csv, json, items (inline list).',
        path=PathKind.FILE,
        path_keys=("source",),
    ),
    Setting(
        "jinjaModulesDir",
        parse_str,
        None,
        "Folder of Python modules templates use as `module.<name>` (relative to the conf's folder).",
        path=PathKind.FOLDER,
    ),
    Setting(
        "jinjaAllowSubprocess",
        parse_bool,
        "false",
        "Let templates run shell commands with `subprocess.run(cmd)`. Off by default.",
    ),
    Setting(
        "jinjaSandbox",
        parse_bool,
        "false",
        "Render in Jinja's sandbox (for untrusted templates): no private attributes, only `rand` and "
        "jinjaModulesDir modules, no subprocess.",
    ),
    Setting(
        "jinjaOutput",
        choice("text", "json"),
        None,
        "`text`: each render is one event. `json`: a render holds JSON objects, one event each; `_raw`, `_time`, "
        "host, source, sourcetype and index keys become the event and its metadata. Default: json for "
        "Eventgen-style stanzas (`jinja_target_template` without `jinjaTemplates`), else text.",
    ),
    Setting(
        "jinjaTags",
        parse_json,
        None,
        'JSON list templates see as `tags` (Eventum\'s input `tags`), e.g. `["web", "eu"]`. Default: empty.',
        scope="schedule",
    ),
    Setting(
        "jinjaStateGroup",
        parse_str,
        None,
        "Samples naming the same group share `locals` (per alias) and `shared` within a process, as one "
        "Eventum event plugin does across its inputs (an Eventum project's samples set it).",
    ),
    Setting(
        "jinjaBatch",
        parse_bool,
        "false",
        "Render each template once per job with `timestamps`/`epochs`/`count` for all its events (the fast "
        "path): the template loops and writes one event per line (text) or one JSON object per event (json).",
    ),
)


class _Problem(ConfigError):
    """A setting of this stanza that the generator cannot use."""

    def __init__(self, sample: Any, key: str, message: str):
        super().__init__(message, str(sample.conf_path), sample.stanza, key)


class _FastContext(Context):
    """Calls builtins and plain Python methods directly, skipping Jinja's per-call checks (≈30% faster).
    Anything else (macros, `pass_context` functions, callable objects) goes through Jinja's `call`."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        kind = type(__obj)
        if kind is types.BuiltinMethodType or (kind is types.MethodType and __obj.__func__ in _PLAIN_FUNCTIONS):
            if kwargs:
                kwargs.pop("_loop_vars", None)
                kwargs.pop("_block_vars", None)
            return __obj(*args, **kwargs)
        if kind is types.MethodType and not hasattr(__obj, "jinja_pass_arg") and len(_PLAIN_FUNCTIONS) < 10_000:
            _PLAIN_FUNCTIONS.add(__obj.__func__)
        return Context.call(__self, __obj, *args, **kwargs)


class _FastEnvironment(jinja2.Environment):
    context_class = _FastContext


def locate(exc: BaseException) -> str:
    """`file:line` of the innermost template frame of an exception ('' when none)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.filename or exc.name or '<template>'}:{exc.lineno}"
    found = ""
    tb = exc.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            found = f"{template.filename or template.name}:{template.get_corresponding_lineno(tb.tb_lineno)}"
        tb = tb.tb_next
    return found


def template_error(exc: BaseException, fallback: str) -> TemplateError:
    """One line naming template file and line, then what went wrong."""
    if isinstance(exc, TemplateError) and getattr(exc, "located", False):
        return exc
    where = locate(exc) or fallback
    if isinstance(exc, jinja2.TemplateSyntaxError):
        what = f"syntax error: {exc.message}"
    elif isinstance(exc, EventgenError | jinja2.TemplateError):
        what = str(exc)
    else:
        what = f"{type(exc).__name__}: {exc}"
    error = TemplateError(f"template {where}: {what}")
    error.located = True  # type: ignore[attr-defined]
    return error


def _find_dir(sample: Any, value: str | None, default: str, key: str) -> Path:
    conf_dir = sample.conf_path.parent
    if value:
        candidate = Path(value).expanduser()
        places = (
            [candidate]
            if candidate.is_absolute()
            else [conf_dir / candidate, *(d / candidate for d in sample.sample_dirs)]
        )
    else:
        places = [*(d / default for d in sample.sample_dirs), conf_dir / default]
    for place in places:
        if place.is_dir():
            return place.resolve()
    raise _Problem(sample, key, f"folder not found; tried {', '.join(str(p) for p in dict.fromkeys(places))}")


def _parse_specs(sample: Any, raw: Any, target: str | None) -> tuple[list[TemplateSpec], str]:
    """Template entries from jinjaTemplates (or Eventgen's jinja_target_template) and the key they came from."""
    if raw is None:
        if not target:
            raise _Problem(
                sample, "jinja_target_template", "set jinja_target_template (a template file) or jinjaTemplates"
            )
        return [TemplateSpec(alias=Path(target).stem, file=target)], "jinja_target_template"
    key = "jinjaTemplates"
    entries: list[tuple[str, Any]] = []
    if isinstance(raw, dict):
        entries = list(raw.items())
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, str):
                entries.append((Path(item).stem, {"template": item}))
            elif isinstance(item, dict) and len(item) == 1:
                entries.append(next(iter(item.items())))
            else:
                raise _Problem(sample, key, f"list entries must be file names or one-key objects, got {item!r}")
    else:
        raise _Problem(sample, key, "must be a JSON object of alias → {template, vars, ...} or a list")
    if not entries:
        raise _Problem(sample, key, "lists no template")
    specs = []
    for alias, body in entries:
        if isinstance(body, str):
            body = {"template": body}
        if not isinstance(body, dict):
            raise _Problem(sample, key, f"{alias}: must be an object with `template`")
        unknown = set(body) - set(SPEC_KEYS)
        if unknown:
            raise _Problem(
                sample, key, f"{alias}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(SPEC_KEYS)}"
            )
        file = body.get("template") or alias
        variables = body.get("vars") or {}
        chance = body.get("chance", 1)
        if not isinstance(variables, dict):
            raise _Problem(sample, key, f"{alias}: vars must be an object")
        if not isinstance(chance, int | float) or isinstance(chance, bool) or not chance > 0:
            raise _Problem(sample, key, f"{alias}: chance must be a number > 0")
        specs.append(
            TemplateSpec(
                alias=str(alias),
                file=str(file),
                vars=variables,
                chance=float(chance),
                initial=bool(body.get("initial", False)),
            )
        )
    if len({s.alias for s in specs}) != len(specs):
        raise _Problem(sample, key, "template aliases must be unique")
    return specs, key


def _json_events(text: str, decoder: json.JSONDecoder) -> list[Any]:
    """Each JSON value in `text` (lists are flattened). Strings may hold raw newlines (Eventgen's templates do)."""
    out: list[Any] = []
    i, size = 0, len(text)
    while True:
        while i < size and text[i] in " \t\r\n,":
            i += 1
        if i >= size:
            return out
        try:
            value, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            snippet = text[i : i + 60].replace("\n", "\\n")
            raise ValueError(f"jinjaOutput = json but the output is not JSON ({exc.msg}) at: {snippet!r}") from None
        if isinstance(value, list):
            out += value
        else:
            out.append(value)
        i = end


def _epoch_of(value: Any, tz: tzinfo, fallback: float) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).timestamp()
    return fallback


class _Collector:
    """Events of one job with their times and (only when some event overrides one) metadata columns."""

    __slots__ = ("columns", "events", "meta", "times")

    def __init__(self, meta: dict[str, str]):
        self.meta = meta
        self.events: list[str] = []
        self.times: list[float] = []
        self.columns: dict[str, list[str]] = {}

    def add_meta(self, text: str, epoch: float, overrides: dict[str, str]) -> None:
        for key in overrides:
            if key not in self.columns:
                self.columns[key] = [self.meta.get(key, "")] * len(self.events)
        self.events.append(text)
        self.times.append(epoch)
        for key, column in self.columns.items():
            column.append(overrides.get(key, self.meta.get(key, "")))

    def add(self, text: str, epoch: float) -> None:
        self.events.append(text)
        self.times.append(epoch)
        if self.columns:
            for key, column in self.columns.items():
                column.append(self.meta.get(key, ""))


def _mentions(folder: Path, word: str) -> bool:
    """Whether any file under `folder` contains `word` (templates, macros, includes)."""
    for path in folder.rglob("*"):
        try:
            if path.is_file() and path.stat().st_size < 4_000_000 and word in path.read_text(errors="ignore"):
                return True
        except OSError:
            continue
    return False


class JinjaGenerator(GeneratorPlugin):
    name = "jinja"
    summary = "Jinja templates with state, samples, modules, subprocess and picking modes (all … fsm)."
    needs_sample_file = False
    settings = SETTINGS

    @classmethod
    def is_stateful(cls, sample: Any) -> bool:
        """State lives in the instance: picking modes that remember their position, and templates that
        touch locals/shared/globals, need every job of the sample on one instance. Others run in parallel."""
        if (sample.settings.get("jinjaMode") or "all") in ("spin", "chain", "fsm"):
            return True
        try:
            folder = _find_dir(sample, sample.settings.get("jinja_template_dir"), "templates", "jinja_template_dir")
        except _Problem:
            return True
        return any(_mentions(folder, word) for word in ("locals", "shared", "globals"))

    @classmethod
    def validate(cls, sample: Any) -> list[tuple[str, str]]:
        try:
            cls(sample)
        except _Problem as problem:
            return [(problem.key, problem.message)]
        return []

    def __init__(self, sample: Any):
        super().__init__(sample)
        settings = sample.settings
        self.tz = sample.tz
        self.random = random.Random(0)
        self.rand = Rand(self.random)
        specs, spec_key = _parse_specs(sample, settings.get("jinjaTemplates"), settings.get("jinja_target_template"))
        self.eventgen_style = spec_key == "jinja_target_template"
        self.output = settings.get("jinjaOutput") or ("json" if self.eventgen_style else "text")
        self.batch = bool(settings.get("jinjaBatch"))
        self.mode = settings.get("jinjaMode") or "all"
        sandbox = bool(settings.get("jinjaSandbox"))
        allow_subprocess = bool(settings.get("jinjaAllowSubprocess"))
        if sandbox and allow_subprocess:
            raise _Problem(sample, "jinjaAllowSubprocess", "cannot be true with jinjaSandbox = true")
        if self.batch and self.mode == "fsm":
            raise _Problem(
                sample, "jinjaBatch", "cannot be used with jinjaMode = fsm (transitions need one render per event)"
            )
        self.template_dir = _find_dir(sample, settings.get("jinja_template_dir"), "templates", "jinja_template_dir")
        modules_dir = None
        if settings.get("jinjaModulesDir"):
            modules_dir = _find_dir(sample, settings["jinjaModulesDir"], "", "jinjaModulesDir")
        variables = settings.get("jinja_variables")
        if variables is None:
            variables = {}
        if not isinstance(variables, dict):
            raise _Problem(sample, "jinja_variables", "must be a JSON object")

        self.env = self._environment(sandbox)
        self.templates = self._compile(specs, spec_key)
        # what a render needs, looked up once: a context over our own dict (it already holds the env globals)
        self.renderers = {
            alias: (t.root_render_func, self.env.context_class, t.name, t.blocks) for alias, t in self.templates.items()
        }
        self.specs = specs
        self._resolve_transitions(specs)
        chain = settings.get("jinjaChain")
        if self.mode == "chain":
            if not chain:
                raise _Problem(sample, "jinjaChain", "jinjaMode = chain needs jinjaChain (aliases in order)")
            missing = [a for a in chain if a not in self.templates]
            if missing:
                raise _Problem(
                    sample, "jinjaChain", f"unknown alias(es) {', '.join(missing)}; known: {', '.join(self.templates)}"
                )

        self.tables = self._tables(settings.get("jinjaSamples"))
        group = settings.get("jinjaStateGroup")
        if group:  # one state for every sample of the group in this process
            states = _STATE_GROUPS.setdefault(group, {})
            self.locals = {s.alias: states.setdefault(("locals", s.alias), State()) for s in specs}
            self.shared = states.setdefault(("shared",), State())
        else:
            self.locals = {s.alias: State() for s in specs}
            self.shared = State()
        tags = settings.get("jinjaTags")
        if tags is None:
            tags = []
        if not isinstance(tags, list):
            raise _Problem(sample, "jinjaTags", "must be a JSON list")
        self.globals = GLOBALS
        self.member_tags = [tuple(m.settings.get("jinjaTags") or ()) for m in sample.schedules]
        self.picker: Picker = make_picker(self.mode, specs, self.random, chain, self.locals, self.shared, self.globals)
        if group and self.mode in ("fsm", "spin", "chain"):  # the group's picker position is one too
            self.picker = states.setdefault(("picker",), self.picker)  # type: ignore[arg-type]
        self.picker.tags = tuple(tags)  # type: ignore[attr-defined]
        self.single = (specs[0].alias,) if len(specs) == 1 else None
        self.meta = {key: str(settings.get(key, "") or "") for key in META_KEYS}
        self.decoder = json.JSONDecoder(strict=False)
        self.sequential_time = bool(settings.get("sequentialTimestamp"))
        self.target_vars = self._uses("eventgen_target_time")
        common = {
            **self.env.globals,
            **variables,
            "params": variables,
            "tags": tuple(tags),
            "rand": self.rand,
            "module": Modules(self.rand, self.random, modules_dir, sandbox),
            "samples": Samples(self.tables),
            "subprocess": Subprocess(allow_subprocess, sample.conf_path.parent, sample.stanza),
            "shared": self.shared,
            "globals": self.globals,
            "dispatch": DISPATCH,
        }
        self.contexts = {
            s.alias: {**common, "vars": s.vars, "locals": self.locals[s.alias], "template_alias": s.alias}
            for s in specs
        }
        self.last: str | None = None
        self.exhausted = False  # a template called `dispatch.exhaust()`
        self._snapshots: deque[dict[str, Any]] = deque()

    # -- setup ---------------------------------------------------------------------------------------------------

    def _environment(self, sandbox: bool) -> jinja2.Environment:
        options: dict[str, Any] = {
            "loader": jinja2.FileSystemLoader([str(self.template_dir)]),
            "extensions": ["jinja2.ext.do", "jinja2.ext.loopcontrols", TimeTags],
            "autoescape": False,
            "auto_reload": False,
            "cache_size": -1,
            "trim_blocks": True,
            "lstrip_blocks": True,
            "keep_trailing_newline": False,
            "undefined": jinja2.Undefined if self.eventgen_style else jinja2.StrictUndefined,
        }
        if self.eventgen_style:
            options.update(line_statement_prefix="#", line_comment_prefix="##")
        env = (SandboxedEnvironment if sandbox else _FastEnvironment)(**options)
        env.eventgen_tz = self.tz  # type: ignore[attr-defined]
        env.eventgen_random = self.random  # type: ignore[attr-defined]
        env.filters["random"] = self._random_filter
        return env

    def _random_filter(self, seq: Any) -> Any:
        """`| random`, drawing from the job's seeded stream (Jinja's own uses the global `random`)."""
        items = seq if isinstance(seq, list | tuple | str | range | Table) else list(seq)
        if not len(items):
            return self.env.undefined("No random item, sequence was empty.")
        return items[int(self.random.random() * len(items))]

    def _compile(self, specs: list[TemplateSpec], key: str) -> dict[str, jinja2.Template]:
        templates = {}
        for spec in specs:
            try:
                self._check_references(spec.file, set(), key)  # each file read (and checked for text) first
                templates[spec.alias] = self.env.get_template(spec.file)
            except jinja2.TemplateNotFound as exc:
                raise _Problem(self.sample, key, f"template {exc.name!r} not found in {self.template_dir}") from None
            except jinja2.TemplateSyntaxError as exc:
                raise _Problem(self.sample, key, str(template_error(exc, spec.file))) from None
        return templates

    def _check_references(self, name: str, seen: set[str], key: str) -> None:
        """Compile statically named includes/imports/extends too, so their syntax errors show at load time."""
        if name in seen:
            return
        seen.add(name)
        try:
            source = self.env.loader.get_source(self.env, name)[0]  # type: ignore[union-attr]
        except UnicodeDecodeError as exc:  # named here: Jinja's loader does not say which file
            message = f"template {name}: byte offset {exc.start} is not UTF-8 text (a binary file?)"
            raise _Problem(self.sample, key, message) from None
        for ref in jinja2.meta.find_referenced_templates(self.env.parse(source, name, str(self.template_dir / name))):
            if ref is not None:
                self._check_references(ref, seen, key)
                self.env.get_template(ref)

    def _resolve_transitions(self, specs: list[TemplateSpec]) -> None:
        raw = self.sample.settings.get("jinjaTemplates")
        bodies = dict(raw.items()) if isinstance(raw, dict) else {}
        if isinstance(raw, list):
            for item in raw:
                if isinstance(item, dict):
                    bodies.update(item)
        aliases = {s.alias for s in specs}
        for spec in specs:
            body = bodies.get(spec.alias)
            transitions = body.get("transitions") if isinstance(body, dict) else None
            if self.mode != "fsm":
                continue
            for i, item in enumerate(transitions or []):
                if not isinstance(item, dict) or "to" not in item:
                    raise _Problem(
                        self.sample,
                        "jinjaTemplates",
                        f"{spec.alias}: transition {i + 1} needs `to` (and optional `when`)",
                    )
                if item["to"] not in aliases:
                    raise _Problem(
                        self.sample, "jinjaTemplates", f"{spec.alias}: transition to unknown alias {item['to']!r}"
                    )
                try:
                    check = compile_condition(item.get("when", True), self.env.compile_expression)
                except (ValueError, jinja2.TemplateSyntaxError) as exc:
                    raise _Problem(self.sample, "jinjaTemplates", f"{spec.alias}: transition {i + 1}: {exc}") from None
                spec.transitions.append((item["to"], check))
        if self.mode == "fsm":
            initial = [s.alias for s in specs if s.initial]
            if len(initial) != 1:
                raise _Problem(
                    self.sample,
                    "jinjaTemplates",
                    f'jinjaMode = fsm needs exactly one template with "initial": true, found {len(initial)}',
                )

    def _tables(self, raw: Any) -> dict[str, Table]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise _Problem(self.sample, "jinjaSamples", "must be a JSON object of alias → {type, source, ...}")

        def resolve(path: str) -> Path:
            if (self.template_dir / path).is_file():
                return self.template_dir / path
            return self.sample.resolve(path)

        tables = {}
        for alias, spec in raw.items():
            try:
                tables[alias] = load_table(alias, spec, resolve, self.random)
            except (ValueError, OSError) as exc:
                raise _Problem(self.sample, "jinjaSamples", f"{alias}: {exc}") from None
        return tables

    def _uses(self, word: str) -> bool:
        return _mentions(self.template_dir, word)

    # -- generation ------------------------------------------------------------------------------------------------

    def timestamps(self, job: GenerationJob, rng: np.random.Generator) -> np.ndarray:
        if job.timestamps is not None:
            return np.asarray(job.timestamps, dtype=float)
        if job.latest <= job.earliest or job.count <= 0:
            return np.full(max(job.count, 0), job.earliest)
        if self.sequential_time:
            return np.linspace(job.earliest, job.latest, job.count, endpoint=False)
        return np.sort(rng.uniform(job.earliest, job.latest, job.count))

    def generate(self, job: GenerationJob) -> EventBatch:
        rng = job.rng(self.sample.stable_id ^ JINJA_STREAM)
        self.random.seed(int(rng.integers(0, 2**62)))
        epochs = self.timestamps(job, rng).tolist()
        tz = self.tz
        stamps = [datetime.fromtimestamp(t, tz) for t in epochs]
        earliest, latest = float(job.earliest), float(job.latest)
        per_job = {
            "eventgen_now": float(job.now or earliest),
            "eventgen_earliest": datetime.fromtimestamp(earliest, tz),
            "eventgen_latest": datetime.fromtimestamp(latest, tz),
            "eventgen_earliest_epoch": earliest,
            "eventgen_latest_epoch": latest,
            "eventgen_maxcount": len(epochs),
            "eventgen_interval": job.interval,
            "eventgen_count": job.offset,
            "count": len(epochs),
            "timestamp": stamps[0] if stamps else datetime.fromtimestamp(earliest, tz),
        }
        for context in self.contexts.values():
            context.update(per_job)
        out = _Collector(self.meta)
        sources = job.extra.get("sources")
        dropped = 0
        if self.batch and not self.exhausted:  # once `dispatch.exhaust()` ended the sample, later jobs make nothing
            self._render_batch(stamps, epochs, out)
        elif not self.exhausted:
            tags = None if sources is None else [self.member_tags[k] for k in sources]
            dropped = self._render_each(stamps, epochs, job.offset, earliest, latest, out, tags)
        times = np.asarray(out.times, dtype=float)
        return EventBatch(
            self.sample.label, job.seq, out.events, times, self.meta, out.columns, dropped, self.exhausted
        )

    def _render(self, alias: str) -> str:
        root, make_context, name, blocks = self.renderers[alias]
        try:
            return "".join(root(make_context(self.env, self.contexts[alias], name, blocks)))
        except Dispatched:
            where = self.templates[alias].filename or alias
            raise TemplateError(f"{where}: dispatch needs one render per event (jinjaBatch = false)") from None
        except Exception as exc:
            raise template_error(exc, self.templates[alias].filename or alias) from None

    def _render_each(
        self,
        stamps: list[datetime],
        epochs: list[float],
        offset: int,
        earliest: float,
        latest: float,
        out: _Collector,
        tags: list[tuple] | None = None,
    ) -> int:
        """One render per event; `tags` per event when the times come from a schedule group. Returns the renders
        `dispatch` discarded."""
        dropped = 0
        contexts, renderers, single, pick = self.contexts, self.renderers, self.single, self.picker.pick
        env = self.env
        text_mode = self.output == "text"
        slice_size = (latest - earliest) / max(len(epochs), 1)
        rand = self.random.random
        picker = self.picker
        for i, stamp in enumerate(stamps):
            epoch = epochs[i]
            if tags is not None:
                picker.tags = tags[i]  # an fsm's `has_tags` looks at this event's input
            chosen = single or pick(stamp)
            repicks = k = 0
            while k < len(chosen):
                alias = chosen[k]
                k += 1
                context = contexts[alias]
                context["timestamp"] = stamp
                context["eventgen_count"] = offset + i
                if tags is not None:
                    context["tags"] = tags[i]
                if self.target_vars:
                    low = earliest + i * slice_size
                    context["eventgen_target_time_earliest"] = datetime.fromtimestamp(low, self.tz)
                    context["eventgen_target_time_latest"] = datetime.fromtimestamp(low + slice_size, self.tz)
                    context["eventgen_target_time_slice_size"] = slice_size
                    context["eventgen_target_time_epoch"] = low + rand() * slice_size
                root, make_context, name, blocks = renderers[alias]
                try:
                    text = "".join(root(make_context(env, context, name, blocks)))
                except Dispatched as signal:  # the template discarded its render (`dispatch`)
                    dropped += 1
                    if isinstance(signal, Exhaust):
                        self.exhausted = True
                        return dropped
                    if isinstance(signal, Next) and repicks < signal.max_repicks:
                        repicks += 1
                        chosen, k = single or pick(stamp), 0
                    continue
                except Exception as exc:
                    raise template_error(exc, self.templates[alias].filename or alias) from None
                self.last = alias
                if text_mode:
                    text = text.strip("\r\n")
                    if text:
                        out.add(text, epoch)
                else:
                    self._add_json(text, epoch, alias, out)
                if self.tracing:
                    self._snapshots.append(self.snapshot())
        return dropped

    def _render_batch(self, stamps: list[datetime], epochs: list[float], out: _Collector) -> None:
        if self.single:
            groups = {self.single[0]: list(range(len(stamps)))}
        else:
            groups = {alias: [] for alias in self.templates}
            pick = self.picker.pick
            for i, stamp in enumerate(stamps):
                for alias in pick(stamp):
                    groups[alias].append(i)
        ordered = len(groups) > 1
        keyed: list[tuple[int, int, int]] = []
        parts: list[_Collector] = []
        for order, (alias, positions) in enumerate(groups.items()):
            if not positions:
                continue
            context = self.contexts[alias]
            context["timestamps"] = [stamps[p] for p in positions]
            context["epochs"] = group_epochs = [epochs[p] for p in positions]
            context["count"] = len(positions)
            context["timestamp"] = stamps[positions[0]]
            text = self._render(alias)
            self.last = alias
            if self.tracing:
                self._snapshots.append(self.snapshot())
            if not ordered:
                self._split(text, group_epochs, alias, out)
                continue
            part = _Collector(self.meta)
            self._split(text, group_epochs, alias, part)
            last = len(positions) - 1
            keyed += [(positions[min(j, last)], order, j) for j in range(len(part.events))]
            parts.append(part)
        if ordered:
            by_order = dict(zip([o for o, (_, p) in enumerate(groups.items()) if p], parts, strict=True))
            keyed.sort()
            for _, order, j in keyed:
                part = by_order[order]
                overrides = {key: column[j] for key, column in part.columns.items()}
                if overrides:
                    out.add_meta(part.events[j], part.times[j], overrides)
                else:
                    out.add(part.events[j], part.times[j])

    def _split(self, text: str, epochs: list[float], alias: str, out: _Collector) -> None:
        last = len(epochs) - 1
        if self.output == "text":
            lines = [line for line in text.split("\n") if line.strip("\r")]
            if not out.columns and len(lines) <= len(epochs):
                out.events += [line.rstrip("\r") for line in lines]
                out.times += epochs[: len(lines)]
                return
            for j, line in enumerate(lines):
                out.add(line.rstrip("\r"), epochs[min(j, last)])
            return
        try:
            values = _json_events(text, self.decoder)
        except ValueError as exc:
            raise template_error(exc, self.templates[alias].filename or alias) from None
        for j, value in enumerate(values):
            self._add_value(value, epochs[min(j, last)], out)

    def _add_json(self, text: str, epoch: float, alias: str, out: _Collector) -> None:
        try:
            values = _json_events(text, self.decoder)
        except ValueError as exc:
            raise template_error(exc, self.templates[alias].filename or alias) from None
        for value in values:
            self._add_value(value, epoch, out)

    def _add_value(self, value: Any, epoch: float, out: _Collector) -> None:
        if not isinstance(value, dict) or "_raw" not in value:
            out.add(json.dumps(value, ensure_ascii=False), epoch)  # one line, valid JSON
            return
        when = _epoch_of(value["_time"], self.tz, epoch) if "_time" in value else epoch
        overrides = {key: str(value[key]) for key in META_KEYS if value.get(key) not in (None, "")}
        raw = value["_raw"]
        text = raw if isinstance(raw, str) else json.dumps(raw)
        if overrides:
            out.add_meta(text, when, overrides)
        else:
            out.add(text, when)

    # -- state -----------------------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Current state as plain JSON-safe data (for `eventgen preview --state`)."""
        state = {
            "template": self.last,
            "locals": {alias: s.as_dict() for alias, s in self.locals.items()},
            "shared": self.shared.as_dict(),
            "globals": self.globals.as_dict(),
            **self.picker.state(),
        }
        return json.loads(json.dumps(state, default=str))

    def preview_state(self) -> dict[str, Any]:
        """While tracing (preview), the state after each render in turn; then the current state."""
        if self._snapshots:
            return self._snapshots.popleft()
        return self.snapshot()
