"""Generate `docs/configuration.md` and `default/eventgen.conf` from the declared settings.

`python -m eventgen.tools.docgen` rewrites both; a test fails when either is stale, so the docs
cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from eventgen.core.settings import SettingGroup
from eventgen.plugin.base import registry
from eventgen.resolve.plugins import all_groups

ROOT = Path(__file__).resolve().parents[2]
TOKEN_DOC = """\
## Tokens

Tokens are written `token.N.token` (a regex), `token.N.replacementType` and `token.N.replacement`.
pytest-splunk-addon's `token.N.field` names the event field the value is (`host` with `host_type = event` makes it
the event's host). When the regex has groups only group 1 is replaced. One value is drawn per token per event and used
for every match of that token in the event. All token regexes are matched against the original
sample text once, when the sample is compiled; where two tokens' matches overlap the lower-numbered
token wins.

| replacementType | replacement | value |
|---|---|---|
| `static` | text | the text |
| `timestamp` | strftime format; `%s` epoch seconds, `%f` real microseconds, `%:z` the offset as `+00:00`; `isoformat` writes what `datetime.isoformat()` does | the event's time in `timezone` |
| `replaytimestamp` | strftime format or JSON list of formats | the event's time (replay: its replayed time) |
| `random`, `rated` | `integer[a:b]` (inclusive), `float[a.b:c.d]` (decimals of the lower bound), `ipv4`, `ipv6`, `mac`, `guid`, `hex(n)` (uppercase), `string(n)` (URL-safe characters), `list["a","b"]` | a random value; `rated` multiplies numbers by the rater's rate tables at the event's time. `random` also takes pytest-splunk-addon's typed values: `src[...]`, `dest[...]`, `dvc[...]`, `host[...]`, `user[...]`, `url[...]`, `email`, `src_port`, `dest_port`, `file[path]` (docs/pytest-splunk-addon.md) |
| `file` | `path` or `path:column` (1-based CSV column; `:0` is refused) | a random line/row; all `file`/`mvfile` tokens on one file share the row of an event |
| `mvfile` | `path:column` | as `file` |
| `seqfile` | `path` or `path:column` | the next line in order, wrapping around, continuing across intervals |
| `integerid` | start integer | start + the number of events of this sample before this one in the run |
| `all` | `integer[a:b]` (b excluded), `list[...]`, `file[path]` | pytest-splunk-addon's: each event holding the token becomes one event per value (docs/pytest-splunk-addon.md) |

Tokens in `[global]` are inherited by every sample stanza, as Splunk's layering would have it: they
come after the stanza's own tokens (a stanza's `token.0` and `[global]`'s `token.0` are two tokens, the
stanza's matched first), and a `[global]` token that matches nothing in one sample is not warned about.

Token file paths: absolute; otherwise tried against the working directory, the conf's folder,
then the sample folders (the error lists every place tried).
"""

REFUSED_DOC = """\
## What is refused

Bad input never gets a traceback: every command (`generate`, `validate`, `preview`, `controller`, ...)
prints one `eventgen: error:` line per problem, naming the file, `[stanza]` and key (or the flag), and
what is allowed, and exits with status 2. `eventgen validate` and the run refuse the same things:

- values out of range: `count` below -1 (-1 and 0 are the whole sample once), `end` below -1 (-1 never
  ends, 0 makes nothing, with a warning), `interval`, `delay` or `randomizeCount` below 0, `jobSize` or
  `generatorWorkers` below 1, a port outside 1-65535 (`tcpDestinationPort`, `udpDestinationPort`,
  `syslogDestinationPort`, the `port` of each `httpeventServers` entry, `kafkaBootstrapServers`,
  `opensearchHosts`, `--bind` and `--connect`), a choice not in its list, a regex that does not compile,
  `nan` or `inf` for any number (and `NaN`, `Infinity` or numbers that overflow in JSON settings), a
  `timezone` offset beyond ±2359 or with minutes of 60 or more (Splunk's `0000`, `-500` and `530` are
  taken);
- outputs: an empty `outputMode`, an empty or repeated entry in it (`file,,file`), an `outputFormatBy`
  name that is not one of its entries, an `outputTemplate` field that does not exist (the known ones are
  listed) or a Jinja template that does not compile, a host that is neither a name nor an address
  (`tcpDestinationHost`, `udpDestinationHost`, `syslogDestinationHost`, `clickhouseHost`, HEC server
  addresses, `kafkaBootstrapServers`), a URL without `http://`/`https://` or a host (`httpUrl`,
  `opensearchHosts`), an output without its destination (`fileName`, `httpUrl`, `httpeventServers`,
  `clickhouseTable`, `splunkHost` and its `splunkUser`/`splunkPass`, `awsS3BucketName`), awss3 without boto3
  (the `s3` extra), a `fileName` or `spoolFailedTo` that is a folder or cannot be written (a file of
  `/proc`), a `spoolDir` that cannot be made, a TLS file (CA bundle, client certificate, key) of any
  output that is missing or does not load, a `kafkaProducerConfig` property librdkafka does not take;
- `breaker`: a regex that backtracks catastrophically on a line of the sample (the same one-second bound
  as token regexes);
- times that contradict each other, checked at the run's reference time (`--now`, else the clock):
  `earliest` after `latest`, a `backfill` in the future, an `end` time before the start (`backfill`,
  else now), since such a run would make nothing;
- tokens: a missing `token.N.*` part, an unknown `replacementType`, a malformed `random` replacement, a
  token file that is missing or not UTF-8, `path:0` (columns are numbered from 1), a column a row lacks,
  a regex that backtracks catastrophically on the sample;
- samples: no sample file for a stanza, an empty sample (no events), a CSV sample without a `_raw`
  column, bytes that are not text in `sampleEncoding` (the line and byte offset are named: set
  `sampleEncoding = latin-1` or the file's encoding);
- the conf itself: not UTF-8 (a binary file), a line that is not a `[stanza]`, `key = value` or comment,
  a stanza name that is not a regex, no sample stanza at all (a conf of comments or only `[global]`), a
  path that cannot be opened (a symlink loop, a name too long); the same for an Eventum `generator.yml`,
  its templates and its `--params-file`, and for `outputTemplateFile`, `timePatterns` and
  `timestampsFile`;
- flags: `--generators 0`, `-c -5`, `-e -5`, `--duration` of 0 or less, `--status-interval` below 0,
  `preview -n` below 1, an unreadable `--now`, and any flag argparse cannot read (one line, with the
  `--help` to see).

`eventgen validate` lists every problem of every stanza (one bad value does not hide the others); the run
stops at the same list. Unknown keys are warnings, not errors. A checkout run without its dependencies (`python bin/eventgen.py`)
names the install command in one line.
"""


def _group_md(group: SettingGroup) -> list[str]:
    lines = [f"### {group.title}", "", "| key | type | default | meaning |", "|---|---|---|---|"]
    for s in group.settings:
        default = "" if s.default is None else f"`{s.default}`"
        doc = s.doc.replace("|", "\\|").replace("\n", " ")
        kind = s.kind.replace("|", "\\|")
        lines.append(f"| `{s.name}` | {kind} | {default} | {doc} |")
    return [*lines, ""]


def configuration_md() -> str:
    lines = [
        "# Configuration reference",
        "",
        "Generated from the settings declared in the code (`python -m eventgen.tools.docgen`); do not edit by hand.",
        "",
        "An `eventgen.conf` is Splunk Eventgen's INI format. Settings are layered: the defaults below ←",
        "`[global]` ← every sample stanza matching the sample file (least specific first: regex stanzas before",
        "literal file names, shorter names before longer) ← command-line overrides (`-c`, `-i`, `-b`, `-e`,",
        "`--devnull`…), which apply to every stanza. Stanza names are regexes matched against whole file names",
        "in the sample folders (`sampleDir`, default `../samples` and the conf's own folder). Unknown keys are",
        "warned about and ignored; a bad value stops the run with one line naming file, stanza, key and what",
        "is allowed (`eventgen validate CONF` lists them all; see [What is refused](#what-is-refused)).",
        "",
        "Every key set in a sample stanza does something, or `eventgen validate` and the run's start warn",
        "`[stanza] KEY: ignored: why`: a setting of a plugin the stanza does not use (a `jinja` key on the",
        "`default` generator), `count`, `interval`, `earliest`, `latest` or `randomizeCount` where the stanza's",
        "input and rater read none of it (`input = timepatterns`, `timestamps`, `rate`; `interval` under `cron`;",
        "`count` under `perDayVolume`), and rate tables or `perDayVolume` under an input that gives every event",
        "its time and so asks no rater. Keys in `[global]` and command-line overrides apply to every stanza and",
        "are not warned about.",
        "",
        "## Settings",
        "",
    ]
    for group in all_groups(builtin_only=True):
        lines += _group_md(group)
    lines += ["## Plugins", "", "| kind | name | what it does |", "|---|---|---|"]
    for plugin in registry.builtins():
        lines.append(f"| {plugin.kind} | `{plugin.name}` | {plugin.summary} |")
    return "\n".join([*lines, "", TOKEN_DOC, REFUSED_DOC])


def default_conf(groups: list[SettingGroup] | None = None) -> str:
    """default/eventgen.conf: every key of `groups` (default: the core's and every plugin's) with its default."""
    lines = [
        "# eventgen defaults, generated from the declared settings (python -m eventgen.tools.docgen).",
        "# Every key a stanza may set is listed with its default; unset keys have no default.",
        "",
        "[global]",
    ]
    for group in all_groups(builtin_only=True) if groups is None else groups:
        lines += ["", f"# --- {group.title} ---"]
        for s in group.settings:
            for part in _wrap(s.doc):
                lines.append(f"# {part}")
            lines.append(f"{s.name} = {s.default}" if s.default is not None else f"# {s.name} =")
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int = 100) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


TARGETS = {"docs/configuration.md": configuration_md, "default/eventgen.conf": default_conf}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    stale = []
    for rel, render in TARGETS.items():
        path = ROOT / rel
        text = render()
        if "--check" in args:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(rel)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"stale: {', '.join(stale)} (run python -m eventgen.tools.docgen)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
