"""The layout keeps its promises: the layers point one way (imports inside functions and `TYPE_CHECKING` blocks
count as imports), there are no import cycles, plugins import only the plugin API (and never each other), nothing
imports the command line, every module imports on its own, and `eventgen --version` loads no optional part.

The order, top to bottom (DESIGN.md): a module may import modules of its own layer and of the layers below it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

CORE = ROOT / "eventgen"
PLUGINS = ROOT / "lib" / "plugins"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),  # the command line only: nothing imports it
    ("web",),  # `eventgen server`: the service's operations, REST, /metrics, MCP
    ("tools",),  # not on the pipeline: Splunk app build, bench, docgen, studio
    ("cluster",),  # controller and worker roles, bundle, keys
    ("run",),  # wiring, engine, dispatcher, transports, accounting, preview
    ("rpc",),  # ZeroMQ peers, the wire protocol, message types
    ("resolve",),  # conf + plugin registry → RunConfig
    ("plugin",),  # the plugin API: the only thing plugins import
    ("format", "render", "schedule"),  # the stage libraries, siblings: none imports another
    ("conf",),  # conf text → typed stanzas; knows no plugin
    ("core",),  # errors, settings, time helpers, token specs, jobs and batches
)
# imports between siblings of one layer that are allowed, as (importer, imported): none
SIBLING_IMPORTS: frozenset[tuple[str, str]] = frozenset()
# `eventgen/__init__.py` (the version, the dependency list) is below everything; `__main__` is the command line
PACKAGE_LAYER = {"eventgen": "core", "eventgen.__main__": "cli"}

# Imports that point the wrong way or close a cycle today, in areas other helpers of issue 23 are rebuilding in
# parallel. Each is theirs to remove; the lead empties this list once their branches are merged. Nothing may be
# added to it, and an entry whose import is gone fails the test until it is removed.
ALLOWED: frozenset[tuple[str, str]] = frozenset({})
ALLOWED_PLUGIN_IMPORTS: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Import:
    """One import statement's target, resolved to a module name, and where it was written."""

    target: str
    line: int
    relative: bool


def module_name(path: Path, root: Path) -> str:
    """`eventgen/run/engine.py` → `eventgen.run.engine`; a package's `__init__.py` → the package."""
    return ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")


def imports_of(path: Path, module: str, known: set[str]) -> Iterator[Import]:
    """Every import in a file, at any depth (functions, `if TYPE_CHECKING:` blocks, try/except): `from p import x`
    names module `p.x` when that is a module of `known`, else `p`; relative imports are resolved against `module`."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, node.lineno, False)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                yield Import(sub if sub in known else base, node.lineno, bool(node.level))


def tree(root: Path, top: str) -> dict[str, Path]:
    """Module name → file of every module of package `top` under `root`."""
    return {module_name(p, root): p for p in sorted((root / top).rglob("*.py"))}


def layer_of(module: str) -> str:
    if module in PACKAGE_LAYER:
        return PACKAGE_LAYER[module]
    return module.split(".")[1]


def rank(layer: str, layers: tuple[tuple[str, ...], ...]) -> int:
    """0 for the top layer; larger is lower."""
    return next(i for i, names in enumerate(layers) if layer in names)


def layer_problems(
    root: Path,
    layers: tuple[tuple[str, ...], ...] = LAYERS,
    allowed: frozenset[tuple[str, str]] = ALLOWED,
    siblings: frozenset[tuple[str, str]] = SIBLING_IMPORTS,
) -> list[str]:
    """Each import of an `eventgen` module under `root` that points up a layer or sideways between siblings, each
    allowed one that no longer exists (the list must shrink), and each import cycle between modules (the allowed
    imports left out)."""
    modules = tree(root, "eventgen")
    known = set(modules)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    problems = []
    used: set[tuple[str, str]] = set()
    for name, path in modules.items():
        source = layer_of(name)
        for found in imports_of(path, name, known):
            target = found.target
            if target not in known:
                if target.startswith("eventgen_"):
                    problems.append(f"{name}:{found.line} imports plugin module {target}: the core asks the registry")
                elif target.startswith("eventgen."):
                    problems.append(f"{name}:{found.line} imports {target}, which is not a module of eventgen")
                continue
            graph[name].add(target)
            if (name, target) in allowed:
                used.add((name, target))
                continue
            into = layer_of(target)
            if into == source:
                continue
            here, there = rank(source, layers), rank(into, layers)
            if there > here or (there == here and (source, into) in siblings):
                continue
            way = "up" if there < here else "sideways"
            problems.append(f"{name}:{found.line} imports {target}: {source} -> {into} points {way}")
    problems += [f"allowed import {a} -> {b} is gone: remove it from the allow-list" for a, b in allowed - used]
    problems += [f"import cycle: {' -> '.join(cycle)}" for cycle in cycles(graph, allowed)]
    return problems


def cycles(graph: dict[str, set[str]], allowed: frozenset[tuple[str, str]] = frozenset()) -> list[list[str]]:
    """One cycle (a path back to its first module) per group of modules that import each other, leaving out the
    allowed upward edges (their cycles are theirs to break)."""
    edges = {name: sorted(t for t in targets if (name, t) not in allowed) for name, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components (the trees are shallow: recursion is fine)
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in edges[node]:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [_path_in(group, edges) for group in groups]


def _path_in(group: list[str], edges: dict[str, list[str]]) -> list[str]:
    """A cycle through the group's first module, for the message."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in edges[node]:
            if target == start:
                return [*paths[node], start]
            if target in members and target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return [*group, start]


def plugin_problems(root: Path, allowed: frozenset[tuple[str, str]] = ALLOWED_PLUGIN_IMPORTS) -> list[str]:
    """A plugin imports `eventgen.plugin` and nothing else of eventgen; never a plugin package by name
    (`eventgen_plugins…`); relatively, only modules of its own package or `_helpers` of its kind folder."""
    problems = []
    used = set()
    modules = {module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    for module, path in modules.items():
        rel = path.relative_to(root)
        own = ".".join(rel.parts[:2]) if len(rel.parts) > 2 else None  # <kind>.<package> of a package plugin
        for found in imports_of(path, module, set(modules)):
            target = found.target
            if found.relative:
                inside = own is not None and (target == own or target.startswith(own + "."))
                helper = target.rpartition(".")[2].startswith("_") and target.rpartition(".")[0] == rel.parts[0]
                if not (inside or helper):
                    problems.append(f"{rel}:{found.line} imports another plugin ({target}) relatively")
            elif (str(rel), target) in allowed:
                used.add((str(rel), target))
            elif _forbidden(target):
                problems.append(f"{rel}:{found.line} imports {target}: plugins import only eventgen.plugin")
    return problems + [f"allowed import {a} -> {b} is gone: remove it from the allow-list" for a, b in allowed - used]


def _forbidden(target: str) -> bool:
    """An absolute import a plugin may not make: eventgen other than the plugin API, or a plugin package by name."""
    if target.startswith("eventgen_"):
        return True
    return target == "eventgen" or (target.startswith("eventgen.") and target != "eventgen.plugin")


def test_layers_point_down_and_there_are_no_cycles() -> None:
    assert layer_problems(ROOT) == []


def test_plugins_import_only_the_plugin_api() -> None:
    assert plugin_problems(PLUGINS) == []


def test_the_checks_catch_imports_in_functions_type_checking_blocks_and_cycles(tmp_path: Path) -> None:
    files = {
        "eventgen/__init__.py": "",
        "eventgen/core/__init__.py": "",
        "eventgen/core/clock.py": "def late():\n    from eventgen.run import engine\n",  # up, in a function
        "eventgen/conf/__init__.py": "",
        "eventgen/conf/a.py": "import eventgen.conf.b\n",
        "eventgen/conf/b.py": "def later():\n    from eventgen.conf import a\n",  # a cycle made in a function
        "eventgen/render/__init__.py": "",
        "eventgen/render/plan.py": "import typing\nif typing.TYPE_CHECKING:\n    from eventgen.format import x\n",
        "eventgen/format/__init__.py": "",
        "eventgen/format/x.py": "from eventgen.core import clock\n",  # down: fine
        "eventgen/run/__init__.py": "",
        "eventgen/run/engine.py": "from ..cluster import roles\n",  # up, relative
        "eventgen/cluster/__init__.py": "",
        "eventgen/cluster/roles.py": "from eventgen.run.engine import *\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert layer_problems(tmp_path, allowed=frozenset()) == [
        "eventgen.core.clock:2 imports eventgen.run.engine: core -> run points up",
        "eventgen.render.plan:3 imports eventgen.format.x: render -> format points sideways",
        "eventgen.run.engine:1 imports eventgen.cluster.roles: run -> cluster points up",
        "import cycle: eventgen.cluster.roles -> eventgen.run.engine -> eventgen.cluster.roles",
        "import cycle: eventgen.conf.a -> eventgen.conf.b -> eventgen.conf.a",
    ]
    allowed = frozenset({("eventgen.run.engine", "eventgen.cluster.roles"), ("eventgen.core.x", "eventgen.run.y")})
    assert layer_problems(tmp_path, allowed=allowed)[-3:] == [
        "eventgen.render.plan:3 imports eventgen.format.x: render -> format points sideways",
        "allowed import eventgen.core.x -> eventgen.run.y is gone: remove it from the allow-list",
        "import cycle: eventgen.conf.a -> eventgen.conf.b -> eventgen.conf.a",
    ]
    plugins = {
        "input/_shared.py": "import numpy\n",
        "input/good.py": "from eventgen.plugin import Tick\nfrom ._shared import numpy\n",
        "input/bad.py": "def f():\n    from eventgen_plugins.generator.replay import times\n    from . import good\n",
        "generator/other.py": "",
        "generator/pkg/__init__.py": "from .part import x\nfrom eventgen.run.engine import Engine\n",
        "generator/pkg/part.py": "from .. import other\n",
    }
    for name, text in plugins.items():
        (tmp_path / "plugins" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "plugins" / name).write_text(text)
    assert plugin_problems(tmp_path / "plugins", frozenset({("input/good.py", "eventgen_plugins.x")})) == [
        "generator/pkg/__init__.py:2 imports eventgen.run.engine: plugins import only eventgen.plugin",
        "generator/pkg/part.py:1 imports another plugin (generator.other) relatively",
        "input/bad.py:2 imports eventgen_plugins.generator.replay: plugins import only eventgen.plugin",
        "input/bad.py:3 imports another plugin (input.good) relatively",
        "allowed import input/good.py -> eventgen_plugins.x is gone: remove it from the allow-list",
    ]


def test_every_module_imports_on_its_own() -> None:
    modules = sorted(name for name in tree(ROOT, "eventgen") if name != "eventgen.__main__")
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    for name in modules:  # each in a fresh interpreter: an import cycle fails whatever imports first
        done = subprocess.run([sys.executable, "-c", code, name], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, f"{name}: {done.stderr[-2000:]}"


def test_version_loads_no_optional_part() -> None:
    code = (
        "import sys\nfrom eventgen.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith(('eventgen', 'flask', 'zmq')))))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    loaded = done.stdout.split()
    assert "eventgen.cli.main" in loaded
    assert not [
        m
        for m in loaded
        if m.startswith(("eventgen.tools", "eventgen.cluster", "eventgen.rpc", "eventgen.run", "flask", "zmq"))
    ], loaded
