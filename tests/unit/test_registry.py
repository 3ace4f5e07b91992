"""The plugin registry imports a plugin when it is first asked for: built-ins by their file, user folders by
theirs, entry points by their name; a name found nowhere that way makes it import everything, and listing the
known names (the unknown-name error, docs, `eventgen build`) imports everything too. Each case runs in a fresh
interpreter, whose registry has imported nothing yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from eventgen.plugin import registry
from tests.conftest import ROOT

PLUGINS = ROOT / "lib" / "plugins"


def fresh(code: str, path: list[Path] = ()) -> dict:
    """Run `code` in a new interpreter (it prints one JSON value) with `path` on PYTHONPATH after the checkout."""
    prelude = "import json, sys\nfrom eventgen.plugin import registry\n"
    modules = "def plugins():\n    return sorted(m for m in sys.modules if m.startswith('eventgen_'))\n"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *map(str, path)])}
    done = subprocess.run(
        [sys.executable, "-c", prelude + modules + textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_lookup_imports_only_the_plugin_asked_for() -> None:
    found = fresh(
        """
        before = plugins()
        stdout = registry.get("output", "stdout#copy")
        after_stdout = plugins()
        registry.get("generator", "default")
        print(json.dumps([before, stdout.__module__, after_stdout, plugins()]))
        """
    )
    assert found == [
        [],
        "eventgen_plugins.output.stdout",
        ["eventgen_plugins", "eventgen_plugins.output", "eventgen_plugins.output.stdout"],
        [
            "eventgen_plugins",
            "eventgen_plugins.generator",
            "eventgen_plugins.generator.default",
            "eventgen_plugins.output",
            "eventgen_plugins.output.stdout",
        ],
    ]


def test_an_unknown_name_lists_every_known_one_and_all_loads_everything() -> None:
    found = fresh(
        """
        from eventgen.core.errors import PluginError
        try:
            registry.get("rater", "nope")
        except PluginError as exc:
            message = str(exc)
        print(json.dumps([message, registry.has("output", "nope"), len(registry.all())]))
        """
    )
    files = [p for p in PLUGINS.glob("*/*") if not p.name.startswith(("_", ".")) and p.suffix in (".py", "")]
    assert found == ["unknown rater 'nope'; known: config, perdayvolume", False, len(files)]


def test_every_built_in_plugin_is_found_by_its_file() -> None:
    """`lib/plugins/<kind>/<name>.py` (or a package `<name>/`): a lookup of a built-in never imports everything."""
    builtins = [c for c in registry.all() if c.__module__.startswith("eventgen_plugins.")]
    assert len(builtins) == 33
    assert [c for c in builtins if c.__module__ != f"eventgen_plugins.{c.kind}.{c.name}"] == []


def test_user_folders_are_looked_up_by_file_then_searched(tmp_path: Path) -> None:
    output = tmp_path / "mine" / "output"
    output.mkdir(parents=True)
    (output / "shout.py").write_text(
        "from eventgen.plugin import OutputPlugin\n\n\nclass Shout(OutputPlugin):\n    name = 'shout'\n\n"
        "    def write(self, payload):\n        pass\n"
    )
    (output / "various.py").write_text(
        "from eventgen.plugin import OutputPlugin\n\n\nclass Whisper(OutputPlugin):\n    name = 'whisper'\n\n"
        "    def write(self, payload):\n        pass\n"
    )
    found = fresh(
        f"""
        from pathlib import Path
        registry.add_dirs([Path({str(tmp_path / "mine")!r})])
        first = [registry.get("output", "shout").__module__, plugins()]
        whisper = registry.get("output", "whisper").__module__
        print(json.dumps([first, whisper, "eventgen_plugins.input.cron" in plugins()]))
        """
    )
    assert found == [
        ["eventgen_user_plugins_2.output.shout", ["eventgen_user_plugins_2", "eventgen_user_plugins_2.output",
                                                  "eventgen_user_plugins_2.output.shout"]],
        "eventgen_user_plugins_2.output.various",
        True,  # a name not found by its file: everything was imported to find it
    ]  # fmt: skip


def test_entry_points_load_by_their_name_or_when_everything_does(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "loud_plugins-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: loud-plugins\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[eventgen.plugins]\nloud = loud_output\nbundle = quiet_outputs\n")
    for module, name in (("loud_output", "loud"), ("quiet_outputs", "quiet")):
        (site / f"{module}.py").write_text(
            f"from eventgen.plugin import OutputPlugin\n\n\nclass Out(OutputPlugin):\n    name = {name!r}\n\n"
            "    def write(self, payload):\n        pass\n"
        )
    found = fresh(
        """
        loud = registry.get("output", "loud").__module__
        quiet_before = "quiet_outputs" in sys.modules
        print(json.dumps([loud, quiet_before, registry.get("output", "quiet").__module__]))
        """,
        [site],
    )
    assert found == ["loud_output", False, "quiet_outputs"]
