"""The layout keeps its promises: plugins import only the plugin API, the core names no plugin, nothing imports
the command line, there are no import cycles, and `eventgen --version` loads no optional part."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

CORE = ROOT / "eventgen"
PLUGINS = ROOT / "lib" / "plugins"


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def test_plugins_import_only_the_plugin_api() -> None:
    bad = {
        str(p.relative_to(ROOT)): m
        for p in PLUGINS.rglob("*.py")
        for m in imports(p)
        if m.startswith("eventgen.") and m != "eventgen.plugin"
    }
    assert bad == {}


def test_the_core_names_no_plugin_and_nothing_imports_the_cli() -> None:
    for path in CORE.rglob("*.py"):
        names = imports(path)
        assert not [m for m in names if m.startswith("eventgen_plugins")], path
        if "cli" not in path.relative_to(CORE).parts and path.name != "__main__.py":
            assert not [m for m in names if m == "eventgen.cli" or m.startswith("eventgen.cli.")], path


def test_every_module_imports_on_its_own() -> None:
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in CORE.rglob("*.py")
        if p.name != "__main__.py"
    )
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
