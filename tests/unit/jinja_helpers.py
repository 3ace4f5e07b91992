"""Helpers for the jinja generator tests: write a conf and templates, build the generator, run jobs."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

from eventgen.core.batch import EventBatch, GenerationJob
from eventgen.plugin.base import GeneratorPlugin, registry
from eventgen.resolve.loader import load

START = 1_700_000_000.0  # a fixed moment: 2023-11-14T22:13:20Z


def write(
    folder: Path, conf_text: str, templates: dict[str, str] | None = None, files: dict[str, str] | None = None
) -> Path:
    """Write `eventgen.conf`, `templates/<name>` and other files into `folder`; return the conf path."""
    (folder / "templates").mkdir(exist_ok=True)
    for name, text in (templates or {}).items():
        (folder / "templates" / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    for name, text in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    conf = folder / "eventgen.conf"
    conf.write_text(textwrap.dedent(conf_text).lstrip(), encoding="utf-8")
    return conf


def generator(conf: Path) -> GeneratorPlugin:
    sample = load(conf).samples[0]
    return registry.get("generator", "jinja")(sample)  # type: ignore[call-arg]


def job(
    count: int, seq: int = 0, offset: int = 0, seed: int = 1, start: float = START, span: float = 60.0
) -> GenerationJob:
    return GenerationJob("s", seq, count, start, start + span, offset=offset, now=start + span, seed=seed)


def run(gen: GeneratorPlugin, count: int, **kwargs) -> EventBatch:
    return gen.generate(job(count, **kwargs))


def plugin_module(name: str = ""):
    """A submodule of the jinja plugin as the registry imported it (not a second copy under `lib.`)."""
    import importlib

    registry.load()
    return importlib.import_module("eventgen_plugins.generator.jinja" + (f".{name}" if name else ""))


def fast_and_plain(source: str, values: dict | Callable[[], dict], **options) -> tuple[str, str]:
    """What a render of `source` gives (its text, or its UndefinedError) in the fast environment and in Jinja's
    own, with the same options; `values` may be a function making fresh ones for each render."""
    import jinja2

    fast_env = plugin_module("environment").FastEnvironment(**options)
    outcomes = []
    for env in (fast_env, jinja2.Environment(**options)):
        try:
            outcomes.append(env.from_string(source).render(values() if callable(values) else values))
        except jinja2.UndefinedError as exc:
            outcomes.append(f"error: {exc}")
    return outcomes[0], outcomes[1]
