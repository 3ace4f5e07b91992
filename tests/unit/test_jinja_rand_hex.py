"""`module.rand.string.hex(n)`: n lowercase hex digits from one draw, each digit uniform, the same for a seed;
`crypto.uuid4()` as the uuid module writes it."""

from __future__ import annotations

import random
import uuid
from collections import Counter

from tests.unit.jinja_helpers import plugin_module

rand_module = plugin_module("rand")


def test_hex_has_the_size_asked_and_only_lowercase_hex_digits():
    string = rand_module.Rand(random.Random(3)).string
    assert [len(string.hex(n)) for n in (1, 2, 16, 43, 64, 2.0)] == [1, 2, 16, 43, 64, 2]
    assert (string.hex(0), string.hex(-4)) == ("", "")
    assert set("".join(string.hex(43) for _ in range(200))) == set("0123456789abcdef")


def test_hex_is_the_same_for_a_seed_and_each_digit_is_uniform():
    first = [rand_module.Rand(random.Random(11)).string.hex(43) for _ in range(2)]
    assert first[0] == first[1]
    string = rand_module.Rand(random.Random(12)).string
    counts = Counter("".join(string.hex(40) for _ in range(4000)))  # 160,000 digits, 10,000 expected each
    assert len(counts) == 16 and all(9_400 < n < 10_600 for n in counts.values())  # > 6 standard deviations
    leading = Counter(string.hex(8)[0] for _ in range(16_000))  # the leading digit too (zero-padded, not dropped)
    assert len(leading) == 16 and all(800 < n < 1_200 for n in leading.values())


def test_uuid4_is_what_the_uuid_module_writes_for_the_same_bits():
    rand, bits = rand_module.Rand(random.Random(5)), random.Random(5)
    for _ in range(2000):
        assert rand.crypto.uuid4() == str(uuid.UUID(int=bits.getrandbits(128), version=4))
