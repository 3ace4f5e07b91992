"""The template examples of Eventum's overview (the seed) run verbatim through jinja samples, with the output
docs/templates.md shows beside them; Eventum's `subprocess.run(cmd, true)` and the keyword form both work."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli, write_conf

# The four templates exactly as Eventum's overview prints them.
TEMPLATES = {
    "counter.j2": """{% set id = locals.get('id', 1) %}

{
    "userID": {{ id }}
}

{% set id = locals.set('id', id + 1) %}
""",
    "row.j2": """{% set computer = samples.computers | random %}
{% set hostname = computer[0] %}
{% set ip = computer[1] %}

{
    "sampleRow": "{{ computer }}",
    "hostname": "{{ hostname }}",
    "ip": "{{ ip }}"
}
""",
    "name.j2": """{% set my_name = subprocess.run('git config user.name', true) | trim %}

{
    "name": "Shell says, that I'm {{ my_name }}"
}
""",
    "ip.j2": """{% set ip = rand.network.ip_v4() %}

{
    "ip": "{{ ip }}"
}
""",
}

# The conf of docs/templates.md's "Eventum's examples".
CONF = """[global]
generator = jinja
jinjaSamples = {"computers": {"type": "csv", "source": "computers.csv"}}
jinjaAllowSubprocess = true
count = 2
end = 1
outputMode = stdout

[counter]
jinjaTemplates = ["counter.j2"]

[row]
jinjaTemplates = ["row.j2"]

[name]
jinjaTemplates = ["name.j2"]

[ip]
jinjaTemplates = ["ip.j2"]
"""

# `eventgen preview eventum.conf -n 2 --seed 1`, one block per sample.
OUTPUTS = {
    "counter": """== counter (jinja, 2 events) ==
{
    "userID": 1
}
{
    "userID": 2
}
""",
    "row": """== row (jinja, 2 events) ==
{
    "sampleRow": "('wks02', '172.16.0.4')",
    "hostname": "wks02",
    "ip": "172.16.0.4"
}
{
    "sampleRow": "('wks02', '172.16.0.4')",
    "hostname": "wks02",
    "ip": "172.16.0.4"
}
""",
    "name": """== name (jinja, 2 events) ==
{
    "name": "Shell says, that I'm Nikita Reznikov"
}
{
    "name": "Shell says, that I'm Nikita Reznikov"
}
""",
    "ip": """== ip (jinja, 2 events) ==
{
    "ip": "223.191.102.4"
}
{
    "ip": "61.54.222.50"
}
""",
}


@pytest.fixture
def eventum(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The docs' folder: eventum.conf, templates/ with the four templates and computers.csv, and a git identity."""
    templates = tmp_path / "templates"
    templates.mkdir()
    for name, text in TEMPLATES.items():
        (templates / name).write_text(text, encoding="utf-8")
    (templates / "computers.csv").write_text("wks02,172.16.0.4\n", encoding="utf-8")
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Nikita Reznikov\n", encoding="utf-8")
    env = {"GIT_CONFIG_GLOBAL": str(gitconfig), "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}
    return write_conf(tmp_path, CONF, "eventum.conf"), env


@pytest.mark.parametrize("sample", list(OUTPUTS))
def test_each_seed_example_runs_verbatim(eventum: tuple[Path, dict[str, str]], sample: str) -> None:
    if sample == "name":
        assert shutil.which("git") is not None, "the seed's subprocess example runs git"  # CI has git: it clones
    conf, env = eventum
    result = cli("preview", str(conf), "-n", "2", "--seed", "1", "-s", sample, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == OUTPUTS[sample]
    assert result.stderr == ""


def test_the_examples_generate_the_same_events(eventum: tuple[Path, dict[str, str]]) -> None:
    conf, env = eventum
    result = cli(str(conf), "--seed", "1", "-s", "name", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == OUTPUTS["name"].split("\n", 1)[1]


def test_docs_show_the_examples_as_run() -> None:
    docs = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    assert f"```ini\n{CONF}```" in docs
    for name, template in TEMPLATES.items():
        assert f"`templates/{name}`" in docs
        assert f"```jinja\n{template}```" in docs
    for output in OUTPUTS.values():
        assert f"```\n{output}```" in docs


def test_subprocess_forms(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "forms.j2").write_text(
        "block={{ subprocess.run('echo a', true) | trim }} "
        "default={{ subprocess.run('echo b').stdout | trim }} "
        "cwd={{ subprocess.run('basename $PWD', 'sub') | trim }} "
        "kw={{ subprocess.run('basename $PWD', cwd='sub', timeout=5).stdout | trim }} "
        "env={{ subprocess.run('echo $X', env={'X': 'y'}) | trim }} "
        "background=[{{ subprocess.run('touch started', false) }}] "
        "code={{ subprocess.run('exit 3', true).exit_code }}\n",
        encoding="utf-8",
    )
    conf = write_conf(
        tmp_path,
        """
        [forms]
        generator = jinja
        jinjaTemplates = ["forms.j2"]
        jinjaAllowSubprocess = true
        count = 1
        end = 1
        """,
    )
    result = cli(str(conf))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "block=a default=b cwd=sub kw=sub env=y background=[] code=3\n"


def test_the_eventum_form_still_needs_the_opt_in(eventum: tuple[Path, dict[str, str]]) -> None:
    conf, env = eventum
    conf.write_text(CONF.replace("jinjaAllowSubprocess = true\n", ""), encoding="utf-8")
    result = cli(str(conf), "-s", "name", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        f"sample name: generator failed: template {conf.parent / 'templates' / 'name.j2'}:1: subprocess.run is "
        "disabled: set jinjaAllowSubprocess = true in [name] to let templates run commands"
    ) in result.stderr
