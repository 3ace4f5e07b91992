"""Eventum generator.yml projects run unchanged through the CLI: each input's counts and times, template state and
samples, every formatter byte for byte, the loading rules (comments, params, secrets, dotted keys, paths) and
the one-line errors; thread and process mode give the same counts."""

from __future__ import annotations

import json
import re
import shlex
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT, cli

ECHO = "{{ timestamp.isoformat() }} {{ tags | join(',') }}\n"
START = "2024-01-01T00:00:00+00:00"


def project(folder: Path, yml: str, files: dict[str, str] | None = None) -> Path:
    for name, text in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    path = folder / "generator.yml"
    path.write_text(textwrap.dedent(yml).lstrip("\n"), encoding="utf-8")
    return path


def one_input(folder: Path, input_yml: str, template: str = ECHO, output: str = "- stdout: {}") -> Path:
    yml = f"""
input:
  - {input_yml}
event:
  template:
    templates:
      - t: {{template: templates/t.jinja}}
output:
  {output}
"""
    return project(folder, yml, {"templates/t.jinja": template})


def run(path: Path, *flags: str, env: dict | None = None) -> list[str]:
    result = cli(str(path), "--sample-mode", *flags, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.mark.parametrize(
    ("input_yml", "expected"),
    [
        (
            f'timer: {{start: "{START}", seconds: 30, count: 2, repeat: 3, tags: [a, b]}}',
            [f"2024-01-01T00:00:{s}+00:00 a,b" for s in ("00", "00", "30", "30")]
            + ["2024-01-01T00:01:00+00:00 a,b"] * 2,
        ),
        (
            f'cron: {{start: "{START}", end: "+1m", expression: "* * * * * */20", count: 2}}',
            [f"2024-01-01T00:{t}+00:00 " for t in ("00:00", "00:00", "00:20", "00:20", "00:40", "00:40")]
            + ["2024-01-01T00:01:00+00:00 "] * 2,
        ),
        (
            f'linspace: {{start: "{START}", end: "+1m", count: 4, endpoint: false}}',
            [f"2024-01-01T00:00:{s}+00:00 " for s in ("00", "15", "30", "45")],
        ),
        (
            'timestamps: {source: ["2024-01-01T00:00:05Z", "2024-01-01T00:00:06.5Z"], tags: [x]}',
            ["2024-01-01T00:00:05+00:00 x", "2024-01-01T00:00:06.500000+00:00 x"],
        ),
    ],
    ids=["timer", "cron-seconds", "linspace", "timestamps-inline"],
)
def test_each_input_exact(tmp_path, input_yml, expected):
    assert run(one_input(tmp_path, input_yml)) == expected


def test_timestamps_file_and_static(tmp_path):
    (tmp_path / "times.txt").write_text("2024-01-01T00:00:01Z\n2024-01-01T00:00:02Z\n", encoding="utf-8")
    assert run(one_input(tmp_path, "timestamps: {source: times.txt}")) == [
        "2024-01-01T00:00:01+00:00 ",
        "2024-01-01T00:00:02+00:00 ",
    ]
    lines = run(one_input(tmp_path, "static: {count: 3}", "{{ timestamp.timestamp() | int }}\n"))
    assert len(lines) == 3 and len(set(lines)) == 1


def test_time_patterns_counts_per_period(tmp_path):
    pattern = """
        label: hourly
        oscillator: {period: 1, unit: hours, start: "2024-01-01T00:00:00Z", end: "+3h"}
        multiplier: {ratio: 5}
        randomizer: {deviation: 0, direction: mixed}
        spreader: {distribution: uniform, parameters: {low: 0, high: 1}}
    """
    (tmp_path / "p.yml").write_text(textwrap.dedent(pattern), encoding="utf-8")
    lines = run(one_input(tmp_path, "time_patterns: {patterns: [p.yml]}"))
    hours = [line[11:13] for line in lines]
    assert hours == ["00"] * 5 + ["01"] * 5 + ["02"] * 5
    assert lines == sorted(lines)


def test_state_continues_and_is_shared_across_inputs(tmp_path):
    yml = f"""
# several inputs, one event plugin: its state is one
input:
  - linspace: {{start: "{START}", end: "+1m", count: 3}}
  - timestamps: {{source: ["2024-01-02T00:00:00Z", "2024-01-02T00:00:01Z"]}}
event:
  template:
    mode: fsm
    templates:
      - a:
          template: templates/a.jinja
          initial: true
          transitions: [{{to: b, when: {{ge: {{shared.n: 2}}}}}}]
      - b: {{template: templates/b.jinja}}
output:
  - stdout: {{}}
"""
    files = {
        "templates/a.jinja": "a {{ shared.incr('n') }} {{ locals.incr('mine') }}\n",
        "templates/b.jinja": "b {{ shared.incr('n') }} {{ locals.incr('mine') }}\n",
    }
    lines = run(project(tmp_path, yml, files))
    assert lines == ["a 1 1", "a 2 2", "b 3 1", "b 4 2", "b 5 3"]


MERGED = f"""
input:
  - timer: {{start: "{START}", seconds: 30, count: 2, repeat: 3, tags: [a]}}
  - linspace: {{start: "{START}", end: "+1m", count: 4, endpoint: false, tags: [b]}}
  - cron: {{start: "{START}", end: "+1m", expression: "* * * * * */20", count: 1, tags: [c]}}
event:
  template:
    templates:
      - t: {{template: templates/t.jinja}}
output:
  - stdout: {{}}
"""
MERGED_ORDER = [("00:00", "a"), ("00:00", "a"), ("00:00", "b"), ("00:00", "c"), ("00:15", "b"), ("00:20", "c"),
                ("00:30", "a"), ("00:30", "a"), ("00:30", "b"), ("00:40", "c"), ("00:45", "b"), ("01:00", "a"),
                ("01:00", "a"), ("01:00", "c")]  # fmt: skip


@pytest.mark.parametrize("threading", ["thread", "process"])
def test_several_inputs_merge_in_time_order_with_their_tags(tmp_path, threading):
    """Three inputs are one sample: their times interleave in order (equal times in input order), each event
    sees its own input's tags, and one state counts through all of them."""
    template = "{{ timestamp.isoformat() }} {{ tags | join(',') }} {{ shared.incr('n') }}\n"
    path = project(tmp_path, MERGED, {"templates/t.jinja": template})
    lines = run(path, "--threading", threading)
    expected = [f"2024-01-01T00:{t}+00:00 {tag} {n}" for n, (t, tag) in enumerate(MERGED_ORDER, 1)]
    assert lines == expected
    live = cli(str(path), "--live-mode", "--no-skip-past", "--threading", threading)  # all past: made at once
    assert live.returncode == 0, live.stderr
    assert live.stdout.splitlines() == expected
    skipped = cli(str(path), "--live-mode", "--threading", threading)  # skip_past, Eventum's default: all past
    assert (skipped.returncode, skipped.stdout) == (0, ""), skipped.stderr
    preview = cli("preview", "-n", "5", str(path))
    assert preview.returncode == 0, preview.stderr
    assert [line for line in preview.stdout.splitlines() if not line.startswith("==")] == expected[:5]


def test_samples_params_and_vars(tmp_path):
    yml = f"""
input:
  - timestamps: {{source: ["{START}"]}}
event:
  template:
    params: {{site: "${{params.site}}"}}
    samples:
      hosts: {{type: csv, source: data/hosts.csv, header: true}}
      levels: {{type: items, source: [INFO]}}
    templates:
      - t: {{template: templates/t.jinja, vars: {{app: shop}}}}
output:
  - stdout: {{}}
"""
    files = {
        "data/hosts.csv": "name,ip\nweb1,10.0.0.1\n",
        "templates/t.jinja": (
            "{% set row = samples.hosts.pick() %}{{ row.name }} {{ row.ip }} {{ samples.hosts['ip'] }} "
            "{{ samples.levels | random }} {{ params.site }} {{ vars.app }} {{ module.math.floor(2.5) }}\n"
        ),
    }
    assert run(project(tmp_path, yml, files), "--params", '{"site": "eu"}') == [
        "web1 10.0.0.1 ['10.0.0.1'] INFO eu shop 2"
    ]


EVENT = '{"n": {{ locals.incr("n") }}, "msg": "a b"}\n'
FORMATTERS = [
    ("{format: plain}", '{"n": 1, "msg": "a b"}\n{"n": 2, "msg": "a b"}\n'),
    ("{format: json}", '{"n":1,"msg":"a b"}\n{"n":2,"msg":"a b"}\n'),
    ("{format: json, indent: 2}", '{\n  "n": 1,\n  "msg": "a b"\n}\n{\n  "n": 2,\n  "msg": "a b"\n}\n'),
    ("{format: json-batch}", '[{"n":1,"msg":"a b"},{"n":2,"msg":"a b"}]\n'),
    ('{format: template, template: "<{{ event }}>"}', '<{"n": 1, "msg": "a b"}>\n<{"n": 2, "msg": "a b"}>\n'),
    ('{format: template, template: "{{ event | length }}"}', "22\n22\n"),
    ('{format: template-batch, template: "{{ events | length }} events"}', "2 events\n"),
    ("{format: eventum-http-input}", '{"count": 2}\n'),
]


@pytest.mark.parametrize(("formatter", "expected"), FORMATTERS, ids=[f for f, _ in FORMATTERS])
def test_formatters_byte_for_byte(tmp_path, formatter, expected):
    path = one_input(
        tmp_path,
        f'linspace: {{start: "{START}", end: "+1s", count: 2}}',
        EVENT,
        f"- file: {{path: out/events.log, write_mode: overwrite, formatter: {formatter}}}",
    )
    run(path)
    assert (tmp_path / "out" / "events.log").read_bytes() == expected.encode()


def test_loading_rules_comments_dotted_secrets(tmp_path):
    yml = f"""
# comment lines are blanked before anything else: ${{params.not_needed}}
input:
  - timestamps.source: ["{START}"]
event:
  template:
    templates:
      - t: {{template: templates/t.jinja}}
    params.token: ${{secrets.api_token}}
output:
  - stdout.formatter.format: plain
"""
    path = project(tmp_path, yml, {"templates/t.jinja": "{{ params.token }}\n"})
    assert run(path, env={"EVENTUM_SECRET_api_token": "s3cret"}) == ["s3cret"]
    (tmp_path / "secrets.yml").write_text("api_token: fromfile\n", encoding="utf-8")
    assert run(path, "--secrets-file", str(tmp_path / "secrets.yml")) == ["fromfile"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (
                "- stdout: {}",
                "- stdout: {}\n  - opensearch: {hosts: [h], username: u, password: p, index: i, hostz: 1}",
            ),
            "output[1].opensearch.hostz: unknown parameter",
        ),
        (
            ("t.jinja}", "t.jinja, varz: {}}"),
            "event.template.templates[0].t.varz: unknown parameter",
        ),
        (("count: 2", "count: ${params.n}"), "line 2: ${params.n} has no value"),
        (("templates/t.jinja", "templates/none.jinja"), "templates/none.jinja: no such file"),
        (("count: 2", "count: two"), "input[0].timer.count: must be an integer, got 'two'"),
        (("timer:", "timerz:"), "input[0].timerz: unknown input plugin"),
    ],
    ids=["unknown-output-key", "unknown-template-key", "missing-param", "bad-path", "bad-kind", "unknown-plugin"],
)
def test_errors_are_one_line_exit_2(tmp_path, change, message):
    path = one_input(tmp_path, f'timer: {{start: "{START}", seconds: 1, count: 2, repeat: 1}}')
    path.write_text(path.read_text().replace(*change), encoding="utf-8")
    for command in (["validate"], ["generate"], []):
        result = cli(*command, str(path))
        assert result.returncode == 2
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert result.stderr.startswith(f"eventgen: error: {path}: ") and message in result.stderr


def test_thread_and_process_mode_same_counts(tmp_path):
    path = one_input(tmp_path, f'linspace: {{start: "{START}", end: "+1h", count: 2000}}', "{{ timestamp }}\n")
    threads = run(path, "--threading", "thread")
    processes = run(path, "--threading", "process")
    assert len(threads) == len(processes) == 2000
    assert sorted(threads) == sorted(processes)


def test_validate_preview_and_convert(tmp_path):
    path = one_input(
        tmp_path,
        f'timer: {{start: "{START}", seconds: 60, count: 1, repeat: 2}}',
        output="- stdout: {separator: ';', flush_interval: 0}",
    )
    result = cli("validate", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"{path}: OK, 1 sample(s), 0 warning(s)"
    result = cli("preview", str(path), "-n", "1")
    assert result.stdout == f"== {tmp_path.name} (jinja, 1 events) ==\n2024-01-01T00:00:00+00:00 \n"
    result = cli("convert", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert not [line for line in lines if line.startswith("# no equivalent")]  # separator applied, flush checked
    assert {"input = timer", "interval = 60", "timerRepeat = 2", f"backfill = {START}"} <= set(lines)
    conf = tmp_path / "converted.conf"
    conf.write_text(result.stdout, encoding="utf-8")
    converted = cli(str(conf), "--no-wait")
    assert converted.returncode == 0, converted.stderr
    assert converted.stdout.splitlines() == run(path) == ["2024-01-01T00:00:00+00:00 ;2024-01-01T00:01:00+00:00 ;"]
    assert json.loads(next(v for v in lines if v.startswith("outputFormatBy"))[17:]) == {
        "stdout": {"outputFormat": "raw", "outputSeparator": ";"}
    }


DOC = ROOT / "docs" / "eventum.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.M | re.S)
NAMED = re.compile(r"^(?:# |\{# )(samples/eventum/\S+?)(?: #\})?$")


def _doc_blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(DOC.read_text(encoding="utf-8"))]


def test_docs_show_the_bundled_project_files():
    named = 0
    for _, text in _doc_blocks():
        match = NAMED.match(text.splitlines()[0]) if text else None
        if match:
            named += 1
            assert (ROOT / match.group(1)).read_text(encoding="utf-8") == text
    assert named == 10


def _doc_runs() -> list[tuple[str, str]]:
    blocks = _doc_blocks()
    return [
        (text.strip(), blocks[i + 1][1])
        for i, (lang, text) in enumerate(blocks[:-1])
        if lang == "sh" and text.count("\n") == 1 and blocks[i + 1][0] == "text"
    ]


@pytest.mark.parametrize(("command", "expected"), _doc_runs(), ids=lambda v: v.split()[1] if " " in v else "")
def test_docs_project_prints_what_docs_show(command, expected):
    args = shlex.split(command)
    assert args[0] == "eventgen"
    result = cli(*args[1:])
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


def test_docs_runs_found():
    assert len(_doc_runs()) == 4


def test_replay_one_line_per_input_time(tmp_path):
    (tmp_path / "app.log").write_text("2020-01-01T00:00:00 one\n2020-01-01T00:00:01 two\n", encoding="utf-8")
    yml = f"""
input:
  - timestamps: {{source: ["{START}", "2024-01-01T00:00:01Z", "2024-01-01T00:00:02Z"]}}
event:
  replay: {{path: app.log, timestamp_pattern: '^(?P<timestamp>\\S+)', timestamp_format: '%Y-%m-%dT%H:%M:%S'}}
output:
  - stdout: {{}}
"""
    lines = ["2024-01-01T00:00:00 one", "2024-01-01T00:00:01 two", "2024-01-01T00:00:02 one"]
    assert run(project(tmp_path, yml)) == lines[:2]  # repeat: false (the default): the file's end ends the run
    assert run(project(tmp_path, yml.replace("timestamp_format:", "repeat: true, timestamp_format:"))) == lines


DISPATCH_A = """{%- set n = shared.incr('n') -%}
{%- if n % 3 == 0 %}{{ dispatch.drop() }}{% endif -%}
{%- if n > 10 %}{{ dispatch.exhaust() }}{% endif -%}
a {{ n }}
"""


@pytest.mark.parametrize("threading", ["thread", "process"])
def test_dispatch_drop_next_and_exhaust(tmp_path, threading):
    """Spinning a, b: `b` always re-picks (`next`, so each time after the first discards one b), `a` drops every
    third render and ends the sample at its eleventh: the run stops there although the plan has 600 times, and
    the summary counts the 14 discarded renders (10 of b, 3 drops, the exhaust)."""
    yml = f"""
input:
  - linspace: {{start: "{START}", end: "+1h", count: 600, endpoint: false}}
event:
  template:
    mode: spin
    templates:
      - a: {{template: templates/a.jinja}}
      - b: {{template: templates/b.jinja}}
output:
  - stdout: {{}}
"""
    files = {"templates/a.jinja": DISPATCH_A, "templates/b.jinja": "{%- do dispatch.next() -%}\nnever\n"}
    path = project(tmp_path, yml, files)
    result = cli(str(path), "--sample-mode", "--threading", threading, "--stats-json", str(tmp_path / "s.json"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"a {n}" for n in (1, 2, 4, 5, 7, 8, 10)]
    stats = json.loads((tmp_path / "s.json").read_text())
    assert stats["total"]["generated"] == stats["total"]["sent"] == 7
    assert any("ended by its template (dispatch.exhaust())" in note for note in stats["notes"]), stats["notes"]
    assert [n for n in stats["notes"] if "discarded" in n] == [
        f"sample {tmp_path.name}: 14 render(s) discarded by its template (dispatch)"
    ]


def test_dispatch_exhaust_ends_an_endless_live_run(tmp_path):
    template = "{%- if shared.incr('n') > 3 %}{{ dispatch.exhaust() }}{% endif -%}\ntick {{ shared.get('n') }}\n"
    path = one_input(tmp_path, "timer: {seconds: 0.1, count: 1}", template)
    result = cli(str(path), "--live-mode", timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["tick 1", "tick 2", "tick 3"]


@pytest.mark.parametrize("threading", ["thread", "process"])
def test_two_outputs_of_one_kind_each_with_its_settings_and_formatter(tmp_path, threading):
    output = '- file: {path: a.log}\n  - file: {path: b.log, formatter: {format: template, template: "B {{ event }}"}}'
    linspace = f'linspace: {{start: "{START}", end: "+1m", count: 3, endpoint: false}}'
    path = one_input(tmp_path, linspace, "{{ timestamp.strftime('%S') }}\n", output)
    result = cli(str(path), "--sample-mode", "--threading", threading, "--stats-json", str(tmp_path / "s.json"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.log").read_text() == "00\n20\n40\n"
    assert (tmp_path / "b.log").read_text() == "B 00\nB 20\nB 40\n"
    rows = {(r["output"], r["sent"]) for r in json.loads((tmp_path / "s.json").read_text())["rows"]}
    assert rows == {("file", 3), ("file#1", 3)}


def test_a_conf_names_a_second_output_instance_and_bad_instance_keys_are_one_line(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "e.j2").write_text("event {{ eventgen_count }}\n")
    conf = tmp_path / "two.conf"
    text = f"""[two]
generator = jinja
jinja_template_dir = t
jinjaTemplates = {{"e": {{"template": "e.j2"}}}}
count = 4
end = 1
timeMode = sample
outputMode = file, file#archive
fileName = {tmp_path}/main.log
outputFormatBy = {{"file#archive": {{"fileName": "{tmp_path}/archive.log", "outputFormat": "json"}}}}
"""
    conf.write_text(text)
    result = cli(str(conf))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "main.log").read_text().splitlines() == [f"event {n}" for n in range(4)]
    assert [json.loads(line)["_raw"] for line in (tmp_path / "archive.log").read_text().splitlines()] == [
        f"event {n}" for n in range(4)
    ]
    conf.write_text(text.replace('"fileName"', '"fileNme"'))
    bad = cli("validate", str(conf))
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        f"eventgen: error: {conf}: [two]: outputFormatBy: file#archive: fileNme: not a setting of output file"
    ]
