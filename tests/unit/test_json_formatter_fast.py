"""The `eventjson`/`jsonbatch` formatter's orjson path writes byte for byte what the json module writes."""

from __future__ import annotations

import json
import random
import struct

import numpy as np
import pytest

from benchmarks.plain_jinja import load_project
from eventgen.core.batch import EventBatch
from eventgen.format.jsontext import compact, plain_numbers
from eventgen.format.text import EventText
from tests.conftest import ROOT

_loads = json.JSONDecoder(strict=False).decode
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
PROJECTS = ("cloudtrail", "dns", "firewall", "linux_auth", "nginx_access", "windows_security")


def reference(texts: list[str]) -> list[str]:
    """What the formatter wrote before orjson: the json module, strict=False, compact, non-ASCII kept."""
    return [_encode(_loads(text)) for text in texts]


def formatted(texts: list[str], fmt: str = "eventjson") -> list[str]:
    batch = EventBatch("s", 0, list(texts), np.zeros(len(texts)))
    return EventText(fmt)(batch)


def rendered(name: str, events: int) -> list[str]:
    """The project's template output as the generator hands it to the formatter (indented, blank lines)."""
    project = load_project(ROOT / "benchmarks" / "templates" / name / "generator.yml")
    random.seed(7)
    out = []
    for i in range(events):
        stamp = project.start + i * project.span / events
        picked = random.choices(project.templates, [t.chance for t in project.templates])
        for t in picked if project.mode == "chance" else project.templates:
            out.append(t.template.render(project.context, vars=t.vars, locals=t.locals, timestamp=stamp))
    return out


@pytest.mark.parametrize("name", PROJECTS)
def test_benchmark_projects_byte_identical(name):
    texts = rendered(name, 300)
    expected = reference(texts)
    assert formatted(texts) == expected
    assert formatted(texts, "jsonbatch") == [_encode([_loads(t) for t in texts])]
    assert len(set(expected)) > 250  # real, varied events


EDGES = [
    '{"a": 1.50, "b": 1E5, "c": -0, "d": -0.0, "e": 0.0, "f": 1e16, "g": 1e15, "h": 1e-5, "i": 0.0001}',
    '{"small": 1.5e-7, "tiny": 5e-324, "max": 1.7976931348623157e308, "huge": 1e400, "neg": -1e400}',
    "[18446744073709551616, 9223372036854775808, -9223372036854775809, 111111111111111111111111111111]",
    "[NaN, Infinity, -Infinity]",
    '{"u": "\\u00e9\\u00E9", "slash": "\\/", "pair": "\\ud83d\\ude00", "nul": "\\u0000", "ls": "\\u2028"}',
    '{"raw": "é😀\x7f", "ctl": "a\x01b\x1f\t\x08\x0c", "esc": "\\b\\f\\n\\r\\t\\"\\\\"}',
    '"\\ud800"',
    '"\\udcff lone"',
    '{"a": 1, "a": 2, "b": 3, "a": {"x": [1, {"y": null}]}}',
    ' [1, 2 ,{}, [], "", true, false, null] ',
    '{"hex": "4e5f6e1e-3e-e+", "time": "08:00:00.000012", "s": "0.0000 1e5 true"}',
    '{"q": "say \\"1e5\\" \\\\", "n": 1e20, "m": 0.00001234}',
    '{"nested": ' * 300 + "1" + "}" * 300,
    "0.30000000000000004",
    "12345678901234567",
]


@pytest.mark.parametrize("text", EDGES, ids=range(len(EDGES)))
def test_edge_cases_byte_identical(text):
    texts = [text, '{"plain": "event", "n": 12}', text]
    assert formatted(texts) == reference(texts)
    assert formatted(texts, "jsonbatch") == [_encode([_loads(t) for t in texts])]


@pytest.mark.parametrize("text", ["", " ", "1 2", "[1,]", '{"a":1,}', "01", "1.", ".5", '"\\x"', "[1]x", "\ufeff{}"])
def test_not_json_fails_as_before(text):
    texts = ['{"ok": 1}', text]
    with pytest.raises(ValueError) as slow:
        reference(texts)
    with pytest.raises(ValueError, match=r"^an event is not JSON \(") as fast:
        formatted(texts)
    assert str(fast.value) == f"an event is not JSON ({slow.value})"


def test_random_numbers_and_strings_byte_identical():
    rng = random.Random(11)
    texts = []
    for _ in range(3000):
        as_double = struct.unpack("d", rng.randbytes(8))[0]
        scaled = round(rng.uniform(-1e6, 1e6) * 10 ** rng.randint(-12, 14), rng.randint(0, 9))
        text = "".join(chr(rng.choice((rng.randint(0, 0x7F), rng.randint(0x80, 0xD7FF), 0x10FFFF))) for _ in range(8))
        doc = {"d": as_double, "s": scaled, "i": rng.randint(-(2**70), 2**70), "t": text, "h": rng.randbytes(6).hex()}
        texts.append(json.dumps(doc, indent=rng.choice((None, 2)), ensure_ascii=rng.random() < 0.5))
    assert formatted(texts) == reference(texts)


def test_number_guard_reads_only_what_is_outside_strings():
    assert plain_numbers(b'{"a":"1e5 0.00001","b":true,"c":false,"d":null,"e":[1,2.5]}')
    assert plain_numbers(b'{"a":"x\\"1e5\\\\","b":1}')
    assert not plain_numbers(b'{"a":1e16}')
    assert not plain_numbers(b'{"a":"\\\\","b":0.00001}')
    assert plain_numbers(b'{"a":"\\\\\\"1e5 \\u0022 2e9","b":1}\n{"c":"0.00001"}')  # escapes before, in a string
    assert not plain_numbers(b'{"a":"\\\\\\""}\n[3e20]')  # the next event's number
    assert plain_numbers(b'{"s":"v1e5,w 2e-10] 0.00001,","h":"7e9f-4e5a"}\n{"t":"08:00:00.000012"}')  # in strings
    assert not plain_numbers(b'{"a":[1,1e-7]}') and not plain_numbers(b'{"a":1.5e300,"b":2}')
    assert not plain_numbers(b'{"s":"1e5,"}\n{"a":-2.5e-8}')  # a real one after a look-alike in a string
    assert not plain_numbers(b'{"a":-0.00001}') and not plain_numbers(b"1e16") and not plain_numbers(b"[5e-324]")
    many = b'{"s":"' + b"1e5, " * 100 + b'","n":1e20}'  # more look-alikes than are checked one by one
    assert plain_numbers(many.replace(b"1e20", b"20")) and not plain_numbers(many)
    escaped = b'{"s":"\\"' + b"1e5, " * 100 + b'\\\\","n":1e20}'  # an escaped quote, an escaped backslash
    assert plain_numbers(escaped.replace(b"1e20", b"20")) and not plain_numbers(escaped)
    assert compact([], _encode) == []


def test_mutated_json_is_taken_or_refused_as_the_json_module_does():
    """Events one edit away from JSON (a byte dropped, doubled or replaced by a JSON-ish one): each batch either
    gives the json module's bytes or fails with its error, whichever parser the fast path tried first."""
    rng = random.Random(5)
    seeds = [*EDGES[:12], *rendered("linux_auth", 20)]
    alphabet = ' \t\n{}[]:,"\\-+.0123456789eEtrunlfsa\x00\x1féu'
    taken = refused = 0
    for _ in range(3000):
        text = rng.choice(seeds)
        at = rng.randrange(len(text))
        edit = rng.randrange(3)
        if edit == 0:
            text = text[:at] + text[at + 1 :]
        elif edit == 1:
            text = text[:at] + text[at] + text[at:]
        else:
            text = text[:at] + rng.choice(alphabet) + text[at + 1 :]
        texts = ['{"ok": 1}', text]
        try:
            expected = reference(texts)
        except ValueError as exc:
            refused += 1
            with pytest.raises(ValueError) as fast:
                formatted(texts)
            assert str(fast.value) == f"an event is not JSON ({exc})", text
            continue
        taken += 1
        assert formatted(texts) == expected, text
    assert taken > 800 and refused > 800, (taken, refused)  # both sides exercised


def test_a_long_batch_is_done_in_chunks_with_the_same_bytes_and_errors():
    """Over CHUNK events, a number written differently in a later chunk still takes the json module's path (and
    only its chunk is looked at again), and an event that is not JSON in a later chunk fails the batch as before."""
    from eventgen.format.jsontext import CHUNK

    texts = [f'{{"n": {i}, "s": "e{i}"}}' for i in range(2 * CHUNK + 88)]
    texts[CHUNK + 5] = '{"n": 1e16, "tiny": 0.00001}'
    assert formatted(texts) == reference(texts)
    assert formatted(texts)[CHUNK + 5] == '{"n":1e+16,"tiny":1e-05}'
    texts[2 * CHUNK + 3] = '{"n": 1,}'
    with pytest.raises(ValueError, match=r"^an event is not JSON \(Expecting property name enclosed in double quotes"):
        formatted(texts)
