"""Templates compiled once per generator, and what is learnt from them at load: included templates checked,
fsm transitions compiled, and which words the templates mention."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import Context

from eventgen.plugin import SampleProblem

from .closed import direct_template
from .content import missing_extra
from .fsm import compile_condition
from .options import TEMPLATES_KEY, Options, spec_bodies
from .pickers import TemplateSpec
from .problems import template_error

# what one render needs, looked up once: the root render function, the context class, name and blocks
Renderer = tuple[Callable[..., Any], type[Context], str | None, dict[str, Any]]


def compile_templates(sample: Any, env: jinja2.Environment, options: Options) -> dict[str, jinja2.Template]:
    """Each spec's template by alias, its includes/imports/extends compiled too (so their errors show at load)."""
    templates = {}
    key = options.spec_key
    for spec in options.specs:
        try:
            _check_references(sample, env, options.template_dir, spec.file, set(), key)  # each file read first
            templates[spec.alias] = env.get_template(spec.file)
        except jinja2.TemplateNotFound as exc:
            folders = ", ".join(str(d) for d in options.search_path)
            raise SampleProblem(sample, key, f"template {exc.name!r} not found in {folders}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise SampleProblem(sample, key, str(template_error(exc, spec.file))) from None
    return templates


def renderers(env: jinja2.Environment, templates: dict[str, jinja2.Template]) -> dict[str, Renderer]:
    """What a render needs per alias: a context over our own dict (it already holds the env globals), and the
    template compiled to keep its top-level names to itself when nothing else can read them (closed.py)."""
    direct = {alias: direct_template(env, t) for alias, t in templates.items()}
    return {alias: (t.root_render_func, env.context_class, t.name, t.blocks) for alias, t in direct.items()}


def resolve_transitions(sample: Any, env: jinja2.Environment, specs: list[TemplateSpec], raw: Any, mode: str) -> None:
    """For `jinjaMode = fsm`: each template's transitions compiled into its spec, and exactly one initial."""
    if mode != "fsm":
        return
    bodies = spec_bodies(raw)
    aliases = {s.alias for s in specs}
    for spec in specs:
        body = bodies.get(spec.alias)
        transitions = body.get("transitions") if isinstance(body, dict) else None
        for i, item in enumerate(transitions or []):
            spec.transitions.append(_transition(sample, env, spec.alias, i + 1, item, aliases))
    initial = [s.alias for s in specs if s.initial]
    if len(initial) != 1:
        message = f'jinjaMode = fsm needs exactly one template with "initial": true, found {len(initial)}'
        raise SampleProblem(sample, TEMPLATES_KEY, message)


def mentions(folder: Path, word: str) -> bool:
    """Whether any file under `folder` contains `word` (templates, macros, includes)."""
    for path in folder.rglob("*"):
        try:
            if path.is_file() and path.stat().st_size < 4_000_000 and word in path.read_text(errors="ignore"):
                return True
        except OSError:
            continue
    return False


_REFERENCES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


def _check_references(sample: Any, env: jinja2.Environment, folder: Path, name: str, seen: set[str], key: str) -> None:
    """Compile statically named includes/imports/extends too, so their syntax errors show at load time; one that
    is not found is named with the file and line that refer to it."""
    if name in seen:
        return
    seen.add(name)
    try:
        source, found, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]  # ours always have a loader
    except UnicodeDecodeError as exc:  # named here: Jinja's loader does not say which file
        message = f"template {name}: byte offset {exc.start} is not UTF-8 text (a binary file?)"
        raise SampleProblem(sample, key, message) from None
    filename = found or str(folder / name)
    missing = missing_extra(source)
    if missing:
        raise SampleProblem(sample, filename, missing)
    for node in env.parse(source, name, filename).find_all(_REFERENCES):
        target = getattr(node, "template", None)
        ref = target.value if isinstance(target, nodes.Const) else None
        if not isinstance(ref, str):
            continue  # a name computed at render time
        try:
            _check_references(sample, env, folder, ref, seen, key)
        except jinja2.TemplateNotFound:
            folders = ", ".join(getattr(env.loader, "searchpath", [str(folder)]))
            line = source.splitlines()[node.lineno - 1].strip()
            message = f"{line}: template {ref!r} not found in {folders}"
            raise SampleProblem(sample, f"{filename}:{node.lineno}", message) from None
        env.get_template(ref)


def _transition(sample: Any, env: jinja2.Environment, alias: str, number: int, item: Any, aliases: set[str]) -> Any:
    if not isinstance(item, dict) or "to" not in item:
        raise SampleProblem(sample, TEMPLATES_KEY, f"{alias}: transition {number} needs `to` (and optional `when`)")
    if item["to"] not in aliases:
        raise SampleProblem(sample, TEMPLATES_KEY, f"{alias}: transition to unknown alias {item['to']!r}")
    try:
        check = compile_condition(item.get("when", True), env.compile_expression)
    except (ValueError, jinja2.TemplateSyntaxError) as exc:
        raise SampleProblem(sample, TEMPLATES_KEY, f"{alias}: transition {number}: {exc}") from None
    return (item["to"], check)
