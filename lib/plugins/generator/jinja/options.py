"""What a stanza asks of the jinja generator, read from its config and checked: the templates and their
picking mode, the folders, the output shape and what the templates may reach."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventgen.plugin import SampleProblem

from .pickers import TemplateSpec

SPEC_KEYS = ("template", "vars", "chance", "initial", "transitions")
TEMPLATES_KEY = "jinjaTemplates"


@dataclass(frozen=True)
class Options:
    """The checked choices of one stanza."""

    specs: list[TemplateSpec]
    spec_key: str  # the setting the templates came from: jinjaTemplates or jinja_target_template
    eventgen_style: bool  # Splunk Eventgen's single template: `#` line statements, lenient undefined, json
    output: str  # text or json
    batch: bool
    mode: str
    sandbox: bool
    allow_subprocess: bool
    template_dir: Path
    search_path: tuple[Path, ...]  # the template folder, then jinjaSearchPath's folders
    modules_dir: Path | None
    variables: dict[str, Any]


def read_options(sample: Any, config: Any) -> Options:
    """The stanza's options, each checked in turn (the first problem is the one reported)."""
    specs, spec_key = parse_specs(sample, config.jinjaTemplates, config.jinja_target_template)
    eventgen_style = spec_key == "jinja_target_template"
    batch, mode = bool(config.jinjaBatch), config.jinjaMode
    if config.jinjaSandbox and config.jinjaAllowSubprocess:
        raise SampleProblem(sample, "jinjaAllowSubprocess", "cannot be true with jinjaSandbox = true")
    if batch and mode == "fsm":
        message = "cannot be used with jinjaMode = fsm (transitions need one render per event)"
        raise SampleProblem(sample, "jinjaBatch", message)
    template_dir = find_dir(sample, config.jinja_template_dir, "templates", "jinja_template_dir")
    extra = [find_dir(sample, folder, "", "jinjaSearchPath") for folder in config.jinjaSearchPath or ()]
    modules_dir = find_dir(sample, config.jinjaModulesDir, "", "jinjaModulesDir") if config.jinjaModulesDir else None
    if not isinstance(config.jinja_variables, dict):
        raise SampleProblem(sample, "jinja_variables", "must be a JSON object")
    return Options(
        specs=specs,
        spec_key=spec_key,
        eventgen_style=eventgen_style,
        output=config.jinjaOutput or ("json" if eventgen_style else "text"),
        batch=batch,
        mode=mode,
        sandbox=bool(config.jinjaSandbox),
        allow_subprocess=bool(config.jinjaAllowSubprocess),
        template_dir=template_dir,
        search_path=tuple(dict.fromkeys([template_dir, *extra])),
        modules_dir=modules_dir,
        variables=config.jinja_variables,
    )


def find_dir(sample: Any, value: str | None, default: str, key: str) -> Path:
    """The folder `value` names (against the conf's folder, then the sample folders), or `default` in the
    sample folders, then the conf's folder."""
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
    raise SampleProblem(sample, key, f"folder not found; tried {', '.join(str(p) for p in dict.fromkeys(places))}")


def parse_specs(sample: Any, raw: Any, target: str | None) -> tuple[list[TemplateSpec], str]:
    """Template entries from jinjaTemplates (or Eventgen's jinja_target_template) and the key they came from."""
    if raw is None:
        if not target:
            raise SampleProblem(
                sample, "jinja_target_template", "set jinja_target_template (a template file) or jinjaTemplates"
            )
        return [TemplateSpec(alias=Path(target).stem, file=target)], "jinja_target_template"
    entries = _entries(sample, raw)
    if not entries:
        raise SampleProblem(sample, TEMPLATES_KEY, "lists no template")
    specs = [_spec(sample, str(alias), body) for alias, body in entries]
    if len({s.alias for s in specs}) != len(specs):
        raise SampleProblem(sample, TEMPLATES_KEY, "template aliases must be unique")
    return specs, TEMPLATES_KEY


def spec_bodies(raw: Any) -> dict[str, Any]:
    """jinjaTemplates' entries by alias, from either of its shapes (an object, or a list of one-key objects)."""
    bodies = dict(raw.items()) if isinstance(raw, dict) else {}
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict):
                bodies.update(item)
    return bodies


def check_chain(sample: Any, mode: str, chain: list[str] | None, aliases: list[str]) -> None:
    """`jinjaMode = chain` needs jinjaChain, naming only known aliases."""
    if mode != "chain":
        return
    if not chain:
        raise SampleProblem(sample, "jinjaChain", "jinjaMode = chain needs jinjaChain (aliases in order)")
    missing = [a for a in chain if a not in aliases]
    if missing:
        raise SampleProblem(
            sample, "jinjaChain", f"unknown alias(es) {', '.join(missing)}; known: {', '.join(aliases)}"
        )


def read_tags(sample: Any, tags: Any) -> tuple:
    """jinjaTags, a JSON list, as the tuple templates see as `tags`."""
    if not isinstance(tags, list):
        raise SampleProblem(sample, "jinjaTags", "must be a JSON list")
    return tuple(tags)


def _entries(sample: Any, raw: Any) -> list[tuple[str, Any]]:
    if isinstance(raw, dict):
        return list(raw.items())
    if not isinstance(raw, list):
        raise SampleProblem(sample, TEMPLATES_KEY, "must be a JSON object of alias → {template, vars, ...} or a list")
    entries: list[tuple[str, Any]] = []
    for item in raw:
        if isinstance(item, str):
            entries.append((Path(item).stem, {"template": item}))
        elif isinstance(item, dict) and len(item) == 1:
            entries.append(next(iter(item.items())))
        else:
            raise SampleProblem(
                sample, TEMPLATES_KEY, f"list entries must be file names or one-key objects, got {item!r}"
            )
    return entries


def _spec(sample: Any, alias: str, body: Any) -> TemplateSpec:
    if isinstance(body, str):
        body = {"template": body}
    if not isinstance(body, dict):
        raise SampleProblem(sample, TEMPLATES_KEY, f"{alias}: must be an object with `template`")
    unknown = set(body) - set(SPEC_KEYS)
    if unknown:
        message = f"{alias}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(SPEC_KEYS)}"
        raise SampleProblem(sample, TEMPLATES_KEY, message)
    variables = body.get("vars") or {}
    chance = body.get("chance", 1)
    if not isinstance(variables, dict):
        raise SampleProblem(sample, TEMPLATES_KEY, f"{alias}: vars must be an object")
    if not isinstance(chance, int | float) or isinstance(chance, bool) or not chance > 0:
        raise SampleProblem(sample, TEMPLATES_KEY, f"{alias}: chance must be a number > 0")
    return TemplateSpec(
        alias=alias,
        file=str(body.get("template") or alias),
        vars=variables,
        chance=float(chance),
        initial=bool(body.get("initial", False)),
    )
