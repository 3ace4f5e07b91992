"""The docs cannot drift: every conf block in README.md and docs/*.md passes `eventgen validate` and renders a
few events with `eventgen preview`, and every `eventgen ...` command line in them names a subcommand and flags
that its `--help` lists (and bundled files that exist)."""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from eventgen.cli.main import COMMANDS, parser_for
from tests.conftest import ROOT, cli

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
STANZA_LINE = re.compile(r"^\s*\[[^\]]+\]\s*$")
FILELESS_GENERATOR = re.compile(r"^\s*generator\s*=\s*jinja\s*$", re.M)
PLACEHOLDER_LINE = "placeholder event for a docs example\n"

# Conf blocks that are not validated, keyed by (doc, first line of the block), each with the reason.
NOT_VALIDATED = {
    # an inputs.conf stanza for SA-Eventgen's modular input, not an eventgen.conf
    ("docs/splunk-apps.md", "[modinput_eventgen://all_apps]"): "inputs.conf, not eventgen.conf",
    # names two pattern files of which the page shows only one, in part (the YAML block below it)
    ("docs/scheduling.md", r"[traffic\.log]"): "needs patterns/business_hours.yml and patterns/night_batch.yml",
    # replay reads each event's time with the tokens' formats: a one-line placeholder sample has none
    ("docs/scheduling.md", r"[recorded\.log]"): "replay needs a recorded sample",
    # names a file of event times the page describes but does not show
    ("docs/scheduling.md", r"[incidents\.log]"): "needs incident_times.txt",
    # a fragment: jinjaSamples with four table files (users.csv, hosts.tsv, services.json) not shown
    (
        "docs/templates.md",
        'jinjaSamples = {"users":  {"type": "csv", "source": "users.csv", "header": true},',
    ): "fragment needing three table files",
    # the seed's examples: needs the four templates shown below it; tests/e2e/test_eventum_seed.py writes them
    # and runs this very block (and checks the page shows it verbatim)
    ("docs/templates.md", "[global]"): "run by tests/e2e/test_eventum_seed.py",
    # a fragment naming the folder of the reader's own plugins, which the page describes
    ("docs/deploy.md", "[global]"): "needs a plugins/ folder",
    # a fragment naming a CA file that exists only on the reader's machine
    ("docs/outputs.md", "outputMode = syslogout"): "fragment needing /etc/ssl/my-ca.pem",
    ("docs/outputs.md", "outputMode = tcpout"): "fragment needing /etc/ssl/my-ca.pem",
    # names a CA, a client certificate and its key: tests/integration/test_opensearch_reach.py makes them and runs
    # this very block (nodes and proxy on 127.0.0.1)
    ("docs/outputs.md", r"[audit\.log]"): "run by tests/integration/test_opensearch_reach.py",
}


@dataclass
class Block:
    """One fenced block of a doc."""

    doc: str
    line: int
    lang: str
    text: str

    @property
    def key(self) -> tuple[str, str]:
        return self.doc, next((line.strip() for line in self.text.splitlines() if line.strip()), "")

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}"


def fenced_blocks(path: Path) -> list[Block]:
    """Every fenced block of a markdown file (fences may be indented, as in list items)."""
    blocks = []
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        fence = re.match(r"^(\s*)```(\S*)\s*$", lines[index])
        index += 1
        if not fence:
            continue
        start, body = index, []
        while index < len(lines) and lines[index].strip() != "```":
            body.append(lines[index])
            index += 1
        index += 1
        text = textwrap.dedent("\n".join(body)) + "\n"
        blocks.append(Block(str(path.relative_to(ROOT)), start, fence.group(2), text))
    return blocks


ALL_BLOCKS = [block for doc in DOCS for block in fenced_blocks(doc)]
CONF_BLOCKS = [
    b
    for b in ALL_BLOCKS
    if b.lang == "ini" or (b.lang == "" and any(STANZA_LINE.match(x) for x in b.text.splitlines()))
]


def test_the_blocks_are_found_and_the_allow_list_is_current() -> None:
    keys = [block.key for block in CONF_BLOCKS]
    assert len(CONF_BLOCKS) >= 15
    assert len(keys) == len(set(keys)), "two conf blocks start with the same line: make the keys unique"
    assert sorted(set(NOT_VALIDATED) - set(keys)) == [], "NOT_VALIDATED names blocks the docs no longer have"


def _stanzas(text: str) -> list[str]:
    return [line.strip()[1:-1] for line in text.splitlines() if STANZA_LINE.match(line)]


def _placeholder_name(stanza: str) -> str:
    """A file name the stanza's regex matches: its escapes undone (`web\\.log` → `web.log`)."""
    name = re.sub(r"\\(.)", r"\1", stanza)
    assert re.fullmatch(stanza, name), f"stanza [{stanza}] needs a placeholder name: add the block to NOT_VALIDATED"
    return name


@pytest.mark.parametrize("block", [b for b in CONF_BLOCKS if b.key not in NOT_VALIDATED], ids=str)
def test_conf_block_validates(block: Block, tmp_path: Path) -> None:
    # the bundled samples (with their lookups and templates) beside the conf, as a user's checkout has them
    folder = tmp_path / "samples"
    shutil.copytree(ROOT / "samples", folder)
    text = block.text
    if not _stanzas(text):  # a fragment of keys: validate it in a stanza of its own
        text = "[fragment\\.log]\n" + text
    placeholders = []
    for stanza in _stanzas(text):
        if stanza in ("global", "default") or FILELESS_GENERATOR.search(text):
            continue
        if not any(re.fullmatch(stanza, f.name) for f in folder.iterdir() if f.is_file()):
            name = _placeholder_name(stanza)
            (folder / name).write_text(PLACEHOLDER_LINE, encoding="utf-8")
            placeholders.append(name)
    conf = folder / "docs-example.conf"
    conf.write_text(text, encoding="utf-8")
    result = cli("validate", str(conf), cwd=folder)
    assert result.returncode == 0, f"{block}: {result.stderr}"
    assert re.fullmatch(r".*: OK, [1-9]\d* sample\(s\), \d+ warning\(s\)", result.stdout.splitlines()[-1]), (
        f"{block}: {result.stdout}"
    )
    for line in result.stderr.splitlines():  # the only warnings allowed: tokens that a placeholder cannot match
        assert any(f"matches no event of {folder / name};" in line for name in placeholders), f"{block}: {line}"
    shown = cli("preview", str(conf), "-n", "2", "--seed", "1", cwd=folder)  # and it renders events
    assert shown.returncode == 0, f"{block}: {shown.stderr}"
    assert shown.stdout.startswith("== "), f"{block}: {shown.stdout}"


# -- command lines ---------------------------------------------------------------------------------------------

LAUNCHER = re.compile(
    r"(?:^|&&|\|\||[|;(])\s*(?:\$\s+)?(?:eventgen|python3? -m eventgen|python3? bin/eventgen\.py)"
    r"(?=\s|$)(.*?)(?=&&|\|\||[|;)]|$)"
)
SHELL_LANGS = ("", "sh", "bash", "shell", "console")


@dataclass
class Command:
    """An `eventgen ...` command line of a doc."""

    where: str
    args: list[str]

    def __str__(self) -> str:
        return f"{self.where}: eventgen {' '.join(self.args)}"


def _commands_in(text: str, where: str) -> list[Command]:
    found = []
    for match in LAUNCHER.finditer(text):
        rest = match.group(1)
        if re.match(r"\s*[\w-]+:", rest):  # program output ("eventgen: error: ..."), not a command
            continue
        try:
            args = shlex.split(rest.replace("[", " ").replace("]", " "), comments=True)
        except ValueError as exc:
            raise AssertionError(f"{where}: cannot split {rest!r}: {exc}") from None
        if args:  # a bare `eventgen` names the program, not a command line
            found.append(Command(where, args))
    return found


def command_lines() -> list[Command]:
    commands = []
    for block in ALL_BLOCKS:
        if block.lang in SHELL_LANGS:
            joined = re.sub(r"\\\n\s*", " ", block.text)  # shell line continuation
            for offset, line in enumerate(joined.splitlines()):
                commands += _commands_in(line, f"{block.doc}:{block.line + offset}")
    for doc in DOCS:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            for span in re.findall(r"`([^`\n]+)`", line):
                commands += _commands_in(span, f"{doc.relative_to(ROOT)}:{number}")
    return commands


COMMAND_LINES = command_lines()


def test_command_lines_are_found() -> None:
    assert len(COMMAND_LINES) >= 40
    assert any(c.args[:1] == ["studio"] for c in COMMAND_LINES)


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            return action.choices[name]
    return None


def _check_flags(parser: argparse.ArgumentParser, args: list[str], command: Command, label: str) -> None:
    """Each option in `args` is one of the parser's (or of the sub-command it names); values are skipped."""
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if not arg.startswith("-") or arg == "-" or re.fullmatch(r"-\d.*", arg):
            child = _subparser(parser, arg)
            if child is not None:
                parser, label = child, f"{label} {arg}"
            continue
        name = arg.split("=", 1)[0]
        action = parser._option_string_actions.get(name)
        if action is None and re.fullmatch(r"-[a-zA-Z]{2,}", name):  # -vv
            actions = [parser._option_string_actions.get(f"-{c}") for c in name[1:]]
            assert all(a is not None and a.nargs == 0 for a in actions), f"{command}: no option {name}"
            continue
        assert action is not None, f"{command}: `{label} --help` has no {name}"
        if action.nargs != 0 and "=" not in arg:
            index += 1  # its value


@pytest.mark.parametrize("command", COMMAND_LINES, ids=str)
def test_command_line_matches_help(command: Command) -> None:
    args = command.args
    first = args[0] if args else ""
    if first in COMMANDS:
        name, rest = first, args[1:]
    elif not args or (first.startswith("-") and not first.startswith("--apps-dir") and first not in ("-v", "-vv")):
        name, rest = "", args  # `eventgen --version`: the top-level parser's own flags
    else:
        name, rest = "generate", args  # `eventgen CONF ...` is `eventgen generate CONF ...`
    for arg in rest:  # the bundled files a command names exist
        if arg.startswith("samples/"):
            assert (ROOT / arg).exists(), f"{command}: {arg} does not exist"
    parser = parser_for(name)
    if name:
        child = _subparser(parser, name)
        assert child is not None, f"{command}: no subcommand {name}"
        parser = child
    _check_flags(parser, rest, command, f"eventgen {name}".strip())


def test_samples_doc_lists_every_bundled_conf() -> None:
    listed = (ROOT / "docs" / "samples.md").read_text(encoding="utf-8")
    missing = [conf.name for conf in sorted((ROOT / "samples").glob("*.conf")) if f"`{conf.name}`" not in listed]
    assert missing == []
