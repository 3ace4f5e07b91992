"""The Jinja environment templates render in: loader, extensions, syntax, undefined, the seeded `| random`, and a
context that calls plain Python directly."""

from __future__ import annotations

import random
import types
from collections.abc import Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any

import jinja2
import jinja2.filters
from jinja2 import nodes
from jinja2.defaults import DEFAULT_FILTERS
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from .branches import fold_branches
from .calls import MAX_PLAIN, PLAIN_FUNCTIONS, CallCodeGenerator
from .codecache import CodeCache
from .gather import EXTEND_FILTER, extend, gather_loops
from .hoist import WORD_TEST, has_word, hoist_loops
from .literals import LITERAL_FILTER, literal, share_literals
from .lookups import LookupCodeGenerator
from .names import NameCodeGenerator
from .outputs import OutputCodeGenerator
from .randnames import bind_rand
from .samples import Table
from .timetags import TimeTags
from .tojson import tojson_filter


class FastContext(Context):
    """Calls builtins and plain Python methods directly, skipping Jinja's per-call checks (≈30% faster).
    Anything else (macros, `pass_context` functions, callable objects) goes through Jinja's `call`."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        kind = type(__obj)
        if kind is types.BuiltinMethodType or (kind is types.MethodType and __obj.__func__ in PLAIN_FUNCTIONS):
            if kwargs:
                kwargs.pop("_loop_vars", None)
                kwargs.pop("_block_vars", None)
            return __obj(*args, **kwargs)
        if kind is types.MethodType and not hasattr(__obj, "jinja_pass_arg") and len(PLAIN_FUNCTIONS) < MAX_PLAIN:
            PLAIN_FUNCTIONS.add(__obj.__func__)
        return Context.call(__self, __obj, *args, **kwargs)


class FastCodeGenerator(LookupCodeGenerator, OutputCodeGenerator, CallCodeGenerator, NameCodeGenerator):
    """`x.a` without a Python call when `a` is an attribute; one format per run of output; plain methods called
    without `context.call`; the names read at the start looked up with the context dict's `get`."""


SYNC_FILTERS = {  # `first`, `list`, `join`, `selectattr`…: the plain function each async-aware filter wraps
    name: getattr(jinja2.filters, f"sync_{function.__name__}")
    for name, function in DEFAULT_FILTERS.items()
    if hasattr(jinja2.filters, f"sync_{function.__name__}")
}


class FastEnvironment(jinja2.Environment):
    context_class = FastContext
    code_generator_class = FastCodeGenerator

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.filters[EXTEND_FILTER] = extend  # what `gather` writes
        self.filters[LITERAL_FILTER] = literal  # what `literals` writes
        self.tests[WORD_TEST] = has_word  # what `hoist` writes for `x in d.col.split()`
        self.filters["tojson"] = tojson_filter(self)
        if not self.is_async:  # Jinja's async-aware filters ask on every call whether the run is async: not here
            for filter_name, plain in SYNC_FILTERS.items():
                if self.filters.get(filter_name) is DEFAULT_FILTERS[filter_name]:
                    self.filters[filter_name] = plain

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Jinja's parse, then loops that filter a sample rewritten to be answered once per value (hoist), and
        loops that only collect rewritten to extends (gather), constant weights made once (literals), filters
        of a choice between constants moved into its branches (branches), calls of the random API read as one
        name (randnames)."""
        tree = hoist_loops(super()._parse(source, name, filename))
        return bind_rand(fold_branches(share_literals(gather_loops(tree))))


def make_environment(
    template_dir: Path,
    eventgen_style: bool,
    sandbox: bool,
    tz: tzinfo,
    rng: random.Random,
    search_path: Sequence[Path] = (),
) -> jinja2.Environment:
    """One environment per generator: templates from `template_dir` (then `search_path`), Eventgen's syntax for
    its style of stanza, Jinja's sandbox when asked, time tags in `tz`, and `| random` drawing from `rng`."""
    options: dict[str, Any] = {
        "loader": jinja2.FileSystemLoader(list(dict.fromkeys(str(d) for d in (template_dir, *search_path)))),
        "extensions": ["jinja2.ext.do", "jinja2.ext.loopcontrols", TimeTags],
        "autoescape": False,
        "auto_reload": False,
        "cache_size": -1,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": False,
        "undefined": jinja2.Undefined if eventgen_style else jinja2.StrictUndefined,
    }
    if eventgen_style:
        options.update(line_statement_prefix="#", line_comment_prefix="##")
    kind = SandboxedEnvironment if sandbox else FastEnvironment
    options["bytecode_cache"] = CodeCache(f"{kind.__name__}|{eventgen_style}|{template_dir}")  # one compile per process
    env: jinja2.Environment = kind(**options)
    env.eventgen_tz = tz  # type: ignore[attr-defined]  # Jinja extensions reach their run's values through the env
    env.eventgen_random = rng  # type: ignore[attr-defined]  # as eventgen_tz
    env.filters["random"] = _random_filter(env, rng)
    return env


_INDEXED = (Table, list, tuple, str, range)  # what `| random` indexes as it is (anything else: a list of it first)


def _random_filter(env: jinja2.Environment, rng: random.Random) -> Any:
    """`| random`, drawing from the job's seeded stream (Jinja's own uses the global `random`). Marked as taking
    the context so Jinja never folds `{{ [..] | random }}` into one constant at compile time."""
    draw = rng.random

    @jinja2.pass_context
    def pick(_context: Any, seq: Any) -> Any:
        items = seq if type(seq) in _INDEXED or isinstance(seq, _INDEXED) else list(seq)
        size = len(items)
        if not size:
            return env.undefined("No random item, sequence was empty.")
        return items[int(draw() * size)]

    return pick
