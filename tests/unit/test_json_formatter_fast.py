"""The `eventjson`/`jsonbatch` formatter lays each event out with msgspec, unparsed, and writes byte for byte what the
json module writes when it reads the event with its keys as written (format/jsontext.py): numbers and escapes the
json module's way, a key written twice kept twice."""

from __future__ import annotations

import json
import random
import struct

import numpy as np
import pytest

from benchmarks.plain_jinja import load_project
from eventgen.core.batch import EventBatch
from eventgen.format.jsontext import CHUNK, json_escapes, laid_out, odd_numbers
from eventgen.format.text import EventText
from tests.conftest import ROOT


class _Pairs(list):
    """An object as the test reads it: its pairs in order, repeats included (written by `_write`)."""


_loads = json.JSONDecoder(strict=False, object_pairs_hook=_Pairs).decode
_STRING = json.JSONEncoder(ensure_ascii=False).encode
PROJECTS = ("cloudtrail", "dns", "firewall", "linux_auth", "nginx_access", "windows_security")


def _write(value, indent: int | None, depth: int = 0) -> str:
    """The json module's writing, done here value by value, of what `_loads` read (objects as their pairs)."""
    if isinstance(value, _Pairs):
        colon = ": " if indent else ":"
        items = [_STRING(key) + colon + _write(item, indent, depth + 1) for key, item in value]
    elif isinstance(value, list):
        items = [_write(item, indent, depth + 1) for item in value]
    else:
        return json.dumps(value, ensure_ascii=False)
    opening, closing = ("{", "}") if isinstance(value, _Pairs) else ("[", "]")
    if not items:
        return opening + closing
    if not indent:
        return opening + ",".join(items) + closing
    inner, outer = "\n" + " " * indent * (depth + 1), "\n" + " " * indent * depth
    return opening + inner + ("," + inner).join(items) + outer + closing


def reference(texts: list[str], indent: int | None = None) -> list[str]:
    """The json module's reading (strict=False) and writing (compact or indented, non-ASCII as is), keys as written."""
    return [_write(_loads(text), indent) for text in texts]


def formatted(texts: list[str], fmt: str = "eventjson", indent: int | None = None) -> list[str]:
    batch = EventBatch("s", 0, list(texts), np.zeros(len(texts)))
    return EventText(fmt, indent=indent)(batch)


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
    assert expected == [json.dumps(json.loads(t), ensure_ascii=False, separators=(",", ":")) for t in texts]
    assert formatted(texts, "jsonbatch") == ["[" + ",".join(expected) + "]"]
    assert formatted(texts[:40], indent=2) == reference(texts[:40], 2)
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
    '{"html": "\\u003ca href=\\u0027x\\u0027\\u003e\\u0026", "e": "\\\\u0026"}',
    '{"q": "\\u0022\\u005c\\u000a\\u001F\\u007f"}',
    '{"n": [-0, -0.0, 0.10, 1E5, 1e-5, 2.50e3, 1.0], "m": {"x": -0}, "s": "-0 0.10 1E5"}',
    "[-0]",
    "-0",
    "0.30000000000000004",
    "12345678901234567",
]


@pytest.mark.parametrize("text", EDGES, ids=range(len(EDGES)))
def test_edge_cases_byte_identical(text):
    texts = [text, '{"plain": "event", "n": 12}', text]
    assert formatted(texts) == reference(texts)
    assert formatted(texts, "jsonbatch") == ["[" + ",".join(reference(texts)) + "]"]
    assert formatted(texts, indent=3) == reference(texts, 3)


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


def _odd(data: bytes) -> list[bytes]:
    """The numbers `odd_numbers` finds in `data` (texts joined by NUL bytes), as text."""
    found = odd_numbers(data, np.frombuffer(data, np.uint8)).tolist()
    return [data[at:].split(b",")[0].split(b"}")[0].split(b"]")[0].split(b"\x00")[0] for at in found]


def test_numbers_python_writes_otherwise_are_found_only_outside_strings():
    assert _odd(b'{"a":"1e5 0.00001 -0","b":true,"c":false,"d":null,"e":[1,2.5,-0.0,0.1]}') == []
    assert _odd(b'{"a":"x\\"1e5\\\\","b":1}') == []
    assert _odd(b'{"a":1e16}') == [b"1e16"]
    assert _odd(b'{"a":"\\\\","b":0.00001}') == [b"0.00001"]
    assert _odd(b'{"a":"\\\\\\"1e5 \\u0022 2e9","b":1}\x00{"c":"0.00001"}') == []  # escapes, then a string
    assert _odd(b'{"a":"\\\\\\""}\x00[3e20,-0]') == [b"3e20", b"-0"]  # the next event's numbers
    assert _odd(b'{"s":"v1e5,w 2e-10] 0.00001,","h":"7e9f-4e5a"}\x00{"t":"08:00:00.000012"}') == []  # in strings
    assert _odd(b'{"a":[1,1e-7,1.50,0.070]}') == [b"1e-7", b"1.50", b"0.070"]
    assert _odd(b'{"s":"1e5,"}\x00{"a":-2.5e-8,"b":1E5}') == [b"-2.5e-8", b"1E5"]  # after a look-alike in a string
    assert _odd(b"1e16") == [b"1e16"] and _odd(b"[5e-324,5E-324]") == [b"5E-324"] and _odd(b"-0") == [b"-0"]
    long = b'{"n":' + b"1" * 40 + b".5}"  # longer than the window each side
    assert _odd(long) == [b"1" * 40 + b".5"] and _odd(long.replace(b".5", b"")) == []
    assert laid_out([]) == []


def test_escapes_are_written_the_json_module_way():
    assert json_escapes('{"a":"\\u0026\\ud83d\\ude00\\\\u0026\\u0022\\u00E9\\/\\u001F"}') == (
        '{"a":"&\U0001f600\\\\u0026\\"\u00e9/\\u001f"}'
    )
    assert json_escapes('{"a":"\\ud800"}') is None and json_escapes('["\\udc00 x"]') is None  # lone: the json module


def test_a_key_written_twice_stays_twice_on_every_path():
    """msgspec's layout, a number or an escape rewritten in place, and the json module's own path (NaN, a raw
    control character) all keep an object's keys as written."""
    texts = [
        '{"a": 1, "b": {"x": 1, "x": [2]}, "a": 2}',
        '{"a": 1.50, "a": "\\u0026"}',
        '{"a": NaN, "a": "x\ty", "a": {}}',
    ]
    written = ['{"a":1,"b":{"x":1,"x":[2]},"a":2}', '{"a":1.5,"a":"&"}', '{"a":NaN,"a":"x\\ty","a":{}}']
    assert formatted(texts) == written
    assert formatted(texts) == reference(texts)
    assert formatted(texts, indent=2) == reference(texts, 2)
    assert formatted(texts, "jsonbatch", indent=2) == [_write(_loads("[" + ",".join(texts) + "]"), 2)]


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
    """Over CHUNK events, a number or an escape written otherwise in a later chunk is still written the json module's
    way, and an event that is not JSON in a later chunk fails the batch as before."""
    texts = [f'{{"n": {i}, "s": "e{i}"}}' for i in range(2 * CHUNK + 88)]
    texts[CHUNK + 5] = '{"n": 1e16, "tiny": 0.00001}'
    texts[CHUNK + 7] = '{"n": 1e16, "s": "\\u00e9", "f": 1.0}'
    assert formatted(texts) == reference(texts)
    assert formatted(texts)[CHUNK + 5] == '{"n":1e+16,"tiny":1e-05}'
    texts[2 * CHUNK + 3] = '{"n": 1,}'
    with pytest.raises(ValueError, match=r"^an event is not JSON \(Expecting property name enclosed in double quotes"):
        formatted(texts)
