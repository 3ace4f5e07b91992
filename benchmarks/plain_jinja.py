"""A plain jinja2 loop over an Eventum project: what the template workloads are measured against.

No eventgen code: the project's `generator.yml` is read with PyYAML, each template is compiled once with
jinja2 (Eventum's extensions `do` and `loopcontrols`), and every event is one `Template.render()` with a
context whose names are backed by Python's `random`: `module.rand` (the helpers the workloads call),
`samples` as lists of dicts (plus `pick`/`weighted_pick`), `locals`/`shared` as dicts (plus `set`).
The project's `json` formatter is done as a user's loop would: `json.loads` + compact `json.dumps`.
"""

from __future__ import annotations

import csv
import json
import os
import random
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
import yaml


class State(dict):
    """`locals`/`shared`: a dict with Eventum's `set`."""

    def set(self, key: str, value: Any) -> None:
        self[key] = value


class Rows(list):
    """A sample: a list of dicts with Eventum's `pick` and `weighted_pick`."""

    def pick(self) -> Any:
        return random.choice(self)

    def weighted_pick(self, column: str) -> Any:
        return random.choices(self, [float(row[column]) for row in self])[0]


class _Number:
    integer = staticmethod(random.randint)
    floating = staticmethod(random.uniform)
    gauss = staticmethod(random.gauss)
    lognormal = staticmethod(random.lognormvariate)

    @staticmethod
    def clamp(value: float, low: float, high: float) -> float:
        return min(max(value, low), high)


class _Network:
    @staticmethod
    def ip_v4_private() -> str:
        return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"

    @staticmethod
    def ip_v4_public() -> str:
        return f"{random.randint(11, 99)}.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


class _String:
    @staticmethod
    def hex(size: int) -> str:
        return f"{random.getrandbits(4 * size):0{size}x}"

    @staticmethod
    def digits(size: int) -> str:
        return "".join(random.choices("0123456789", k=size))

    @staticmethod
    def letters_uppercase(size: int) -> str:
        return "".join(random.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ", k=size))


class _Crypto:
    @staticmethod
    def uuid4() -> str:
        return str(uuid.UUID(int=random.getrandbits(128), version=4))


class PlainRand:
    """`module.rand` on Python's `random`: the helpers the workloads' templates call."""

    number, network, string, crypto = _Number(), _Network(), _String(), _Crypto()
    choice = staticmethod(random.choice)

    @staticmethod
    def chance(probability: float) -> bool:
        return random.random() < probability

    @staticmethod
    def weighted_choice(items: Sequence[Any] | Mapping[Any, float], weights: Sequence[float] | None = None) -> Any:
        if isinstance(items, Mapping):
            return random.choices(list(items), list(items.values()))[0]
        return random.choices(items, weights)[0]


@dataclass
class Template:
    alias: str
    template: jinja2.Template
    vars: dict
    chance: float
    locals: State = field(default_factory=State)


@dataclass
class Project:
    """What a plain loop needs from a generator.yml."""

    mode: str
    templates: list[Template]
    context: dict[str, Any]  # params, tags, samples, module, shared
    start: datetime
    span: timedelta


def _sample(folder: Path, spec: dict) -> Rows:
    kind, source = spec.get("type", "items"), spec.get("source")
    if kind == "items":
        return Rows(source)
    path = folder / source
    if kind == "json":
        return Rows(json.loads(path.read_text(encoding="utf-8")))
    with path.open(newline="", encoding="utf-8") as handle:
        return Rows(csv.DictReader(handle, delimiter=spec.get("delimiter", ",")))


def load_project(path: Path) -> Project:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    folder = path.parent
    (linspace,) = (item["linspace"] for item in spec["input"])
    plugin = spec["event"]["template"]
    env = jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"], undefined=jinja2.StrictUndefined)
    templates = []
    for item in plugin["templates"]:
        ((alias, body),) = item.items()
        source = (folder / body["template"]).read_text(encoding="utf-8")
        templates.append(Template(alias, env.from_string(source), body.get("vars") or {}, body.get("chance", 1)))
    start = datetime.fromisoformat(str(linspace["start"]).replace("Z", "+00:00")).astimezone(UTC)
    span = _relative(str(linspace["end"]))
    samples = {name: _sample(folder, sample) for name, sample in (plugin.get("samples") or {}).items()}
    context = {
        "params": plugin.get("params") or {},
        "tags": tuple(linspace.get("tags") or ()),
        "samples": samples,
        "module": {"rand": PlainRand()},
        "shared": State(),
    }
    return Project(plugin.get("mode", "all"), templates, context, start, span)


def _relative(text: str) -> timedelta:
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    return timedelta(**{units[text[-1]]: float(text[1:-1])})


def render(project: Project, events: int, seed: int = 1) -> list[str]:
    """`events` events, each one render plus the json formatter's compact re-serialisation."""
    random.seed(seed)
    templates = project.templates
    weights = [t.chance for t in templates]
    step = project.span / events
    out: list[str] = []
    loads, dumps = json.loads, json.dumps
    for i in range(events):
        stamp = project.start + i * step
        if project.mode == "chance":
            picked = random.choices(templates, weights)
        elif project.mode == "all":
            picked = templates
        else:
            raise ValueError(f"plain loop: mode {project.mode!r} is not used by the workloads")
        for t in picked:
            text = t.template.render(project.context, vars=t.vars, locals=t.locals, timestamp=stamp)
            out.append(dumps(loads(text), separators=(",", ":"), ensure_ascii=False))
    return out


def plain_rate(path: Path, events: int, seed: int = 1) -> tuple[float, list[int]]:
    """(events/s, sizes in bytes of each event) of the plain loop, written to /dev/null in one write."""
    project = load_project(path)
    started = time.perf_counter()
    lines = render(project, events, seed)
    data = ("\n".join(lines) + "\n").encode()
    fd = os.open(os.devnull, os.O_WRONLY)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    seconds = time.perf_counter() - started
    return len(lines) / seconds, [len(line.encode()) + 1 for line in lines]
