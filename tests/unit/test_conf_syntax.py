"""Splunk .conf fidelity and a validate that reads the sample: BOM, backslash continuation, parse errors with
line numbers, empty-group tokens, tokens that match nothing, catastrophic regexes, tried paths listed once."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC
from pathlib import Path

import numpy as np
import pytest

from eventgen.conf.syntax import read_conf
from eventgen.core.errors import ConfigErrors
from eventgen.core.tokens import TokenSpec
from eventgen.render.tokens import RenderContext, RenderPlan, make_provider
from eventgen.resolve import tokens as tokens_module
from eventgen.resolve.loader import load
from tests.conftest import cli, write_conf

RECEIVER = '{"receiver_id":"","amount":5}\n'  # as in Splunk Eventgen's own token sample
RECEIVER_CONF = r"""
    [receiver\.log]
    sampleDir = .
    count = 3
    end = 1
    outputMode = stdout
    token.0.token = "receiver_id":"(\d*)"
    token.0.replacementType = integerid
    token.0.replacement = 100
    """


def test_a_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    conf = tmp_path / "bom.conf"
    conf.write_bytes(b"\xef\xbb\xbf[web\\.log]\r\ncount = 3\r\n")
    assert read_conf(conf) == {r"web\.log": {"count": "3"}}


def test_backslash_continues_a_line(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, '[web\\.log]\ntoken.0.replacement = list["x", \\\n"y"]\ncount = 3\n')
    assert read_conf(conf) == {r"web\.log": {"token.0.replacement": 'list["x", "y"]', "count": "3"}}


def test_continuation_over_several_lines_and_an_escaped_backslash_stays(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, "[a]\nx = one \\\ntwo \\\nthree\npath = C:\\\\logs\\\\\nafter = 1\n")
    assert read_conf(conf) == {"a": {"x": "one two three", "path": "C:\\\\logs\\\\", "after": "1"}}


def test_a_conf_with_bom_and_continuation_runs(tmp_path: Path) -> None:
    (tmp_path / "ev.log").write_text("color=red\n", encoding="utf-8")
    text = (
        "[ev\\.log]\nsampleDir = .\ncount = 4\nend = 1\noutputMode = stdout\ntoken.0.token = color=(\\w+)\n"
        'token.0.replacementType = random\ntoken.0.replacement = list["blue", \\\n"blue"]\n'
    )
    (tmp_path / "ev.conf").write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = cli("preview", str(tmp_path / "ev.conf"), "-n", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["== ev.log (default, 2 events) ==", "color=blue", "color=blue"]


def test_parse_error_names_file_line_and_text_in_one_line(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, "[a]\nx = 1\nlong = one \\\ntwo\nthis is no setting\nok = 2\nnor this\n")
    result = cli("validate", str(conf))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"eventgen: error: {conf}: line 5: 'this is no setting' is not a [stanza], a key = value or a # comment "
        "(also line 7)"
    ]


def test_setting_before_any_stanza(tmp_path: Path) -> None:
    conf = write_conf(tmp_path, "# comment\ncount = 1\n[a]\n")
    with pytest.raises(ConfigErrors) as info:
        load(conf)
    assert [str(e) for e in info.value.errors] == [f"{conf}: line 2: 'count = 1' comes before any [stanza]"]


def test_a_binary_conf_is_one_line(tmp_path: Path) -> None:
    conf = tmp_path / "bin.conf"
    conf.write_bytes(b"[a]\nx = 1\n\x89PNG\xff\x00\n")
    result = cli("validate", str(conf))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"eventgen: error: {conf}: line 3: not UTF-8 text (byte 0x89): is this a conf file?"
    ]


def spec(number: int, regex: str, rtype: str = "static", replacement: str = "X") -> TokenSpec:
    return TokenSpec(number, re.compile(regex), rtype, replacement)


def test_an_empty_group_is_replaced_by_the_render_plan() -> None:
    tokens = [spec(0, r'"receiver_id":"(\d*)"', "integerid", "100")]
    plan = RenderPlan([RECEIVER.strip()], tokens, [make_provider(s, UTC, Path) for s in tokens])
    ctx = RenderContext(2, np.random.default_rng(1), np.zeros(2), 0, lambda: np.ones(2))
    assert plan.render(np.zeros(2, dtype=int), ctx) == [
        '{"receiver_id":"100","amount":5}',
        '{"receiver_id":"101","amount":5}',
    ]


def test_an_empty_whole_match_is_not_replaced_and_empty_groups_chain() -> None:
    plan = RenderPlan(
        ["ab"],
        [spec(0, r"\d*"), spec(1, r"a()", "integerid"), spec(2, r"a()", "integerid")],
        [lambda ctx: ["0"], lambda ctx: ["1"], lambda ctx: ["2"]],
    )
    # tokens run in order on the text the earlier ones made: token 2's empty group matches again after token 1's
    # value, and goes before it (Splunk Eventgen's chain)
    assert plan.templates == [("a%s%sb", (1, 0))]


def test_an_empty_group_integerid_token_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / "receiver.log").write_text(RECEIVER, encoding="utf-8")
    conf = write_conf(tmp_path, RECEIVER_CONF)
    result = cli(str(conf))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        '{"receiver_id":"100","amount":5}',
        '{"receiver_id":"101","amount":5}',
        '{"receiver_id":"102","amount":5}',
    ]


def test_a_token_that_matches_no_event_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "receiver.log").write_text(RECEIVER, encoding="utf-8")
    conf = write_conf(
        tmp_path, RECEIVER_CONF + "token.1.token = @@NEVER\ntoken.1.replacementType = static\ntoken.1.replacement = x\n"
    )
    result = cli("validate", str(conf))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"eventgen: WARNING: {conf}: [receiver\\.log] token.1.token: regex '@@NEVER' matches no event of "
        f"{tmp_path / 'receiver.log'}; nothing is replaced"
    ]
    assert result.stdout.splitlines()[-1] == f"{conf}: OK, 1 sample(s), 1 warning(s)"


def test_warnings_are_shown_when_the_conf_also_has_errors(tmp_path: Path) -> None:
    (tmp_path / "receiver.log").write_text(RECEIVER, encoding="utf-8")
    conf = write_conf(tmp_path, RECEIVER_CONF + "intreval = 5\ntimezone = Mars/Olympus\n")
    result = cli("validate", str(conf))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"eventgen: WARNING: {conf}: [receiver\\.log] intreval: unknown setting, ignored",
        f"eventgen: error: {conf}: [receiver\\.log]: timezone: unknown timezone 'Mars/Olympus'; use local, utc, "
        "an offset hhmm (+0530, -500) or an IANA name",
    ]


def test_a_missing_token_file_lists_each_tried_path_once(tmp_path: Path) -> None:
    (tmp_path / "receiver.log").write_text(RECEIVER, encoding="utf-8")
    conf = write_conf(tmp_path, RECEIVER_CONF.replace("integerid", "file").replace("= 100", "= nope.txt"))
    result = cli("validate", str(conf), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"eventgen: error: {conf}: [receiver\\.log]: token.0.replacement: file 'nope.txt' not found; tried "
        f"{tmp_path / 'nope.txt'}"
    ]


def test_catastrophic_backtracking_is_refused_at_load(tmp_path: Path) -> None:
    (tmp_path / "bt.log").write_text("ok\n" + "a" * 40 + "b\n", encoding="utf-8")
    conf = write_conf(
        tmp_path,
        r"""
        [bt\.log]
        sampleDir = .
        count = 1
        end = 1
        token.0.token = ^(a+)+$
        token.0.replacementType = static
        token.0.replacement = x
        """,
    )
    for command in (["validate", str(conf)], [str(conf)]):
        started = time.monotonic()
        result = cli(*command, timeout=60)
        assert time.monotonic() - started < 30
        assert result.returncode == 2
        assert result.stderr.splitlines() == [
            f"eventgen: error: {conf}: [bt\\.log]: token.0.token: regex '^(a+)+$' takes over 1s on event 2 of "
            f"{tmp_path / 'bt.log'}: catastrophic backtracking (nested repeats like (a+)+?); refused"
        ]


def test_the_time_bound_holds_off_the_main_thread_and_spares_slow_samples() -> None:
    texts = ["a" * 40 + "b", "aaa"]
    tokens = [spec(0, r"b$"), spec(1, r"^(a+)+$"), spec(2, "q")]
    answers: list[object] = []

    tokens_found = tokens_module.tokens_found

    def scan() -> None:
        try:
            answers.append(tokens_found(texts, tokens, 0.5))
        except tokens_module.RegexTimeout as exc:
            answers.append((exc.token, exc.event))

    worker = threading.Thread(target=scan)
    worker.start()
    worker.join(60)
    scan()
    assert answers == [(1, 0), (1, 0)]
    # many events, each fast: the bound is per event, not per sample
    assert tokens_found(["x" * 50 + "=y"] * 20000, [spec(0, r"(\w+)\s*=\s*(\w+)$")], 0.05) == [True]
    assert tokens_found(["aaa"], tokens, 0.5) == [False, True, False]
