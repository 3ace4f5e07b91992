"""`rand`: the built-in random-value module for templates, drawing from one seeded `random.Random`."""

from __future__ import annotations

import ipaddress
import random
import string as _string
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from itertools import accumulate
from typing import Any

_LOWER = _string.ascii_lowercase
_UPPER = _string.ascii_uppercase
_LETTERS = _string.ascii_letters
_DIGITS = _string.digits
_HEX = "0123456789abcdef"
_PUNCT = _string.punctuation
_CLASSES = {
    "a": _LOWER,
    "A": _UPPER,
    "l": _LETTERS,
    "d": _DIGITS,
    "n": _LETTERS + _DIGITS,
    "h": _HEX,
    "H": _HEX.upper(),
    "p": _PUNCT,
    "w": _LETTERS + _DIGITS + "_",
}
_UUID_KEEP = ~((0xC000 << 48) | (0xF000 << 64))  # a version 4 UUID: variant bits 10 (RFC 4122), version 4
_UUID_SET = (0x8000 << 48) | (4 << 76)
# Organisationally unique identifiers of a few vendors whose prefixes are widely known.
VENDOR_OUI = {
    "cisco": (0x00000C,),
    "vmware": (0x005056, 0x000C29),
    "xen": (0x00163E,),
    "virtualbox": (0x080027,),
    "qemu": (0x525400,),
}


def _dotted(value: int) -> str:
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


@lru_cache(maxsize=256)
def _subnet(cidr: str) -> tuple[int, int, int]:
    """(first host, host count, version) of a CIDR; network/broadcast excluded when there is room."""
    net = ipaddress.ip_network(cidr, strict=False)
    first, size = int(net.network_address), net.num_addresses
    if net.version == 4 and size > 2:
        first, size = first + 1, size - 2
    return first, size, net.version


def _is_public_v4(value: int) -> bool:
    a, b = value >> 24, (value >> 16) & 255
    if a in (0, 10, 127) or a >= 224:
        return False
    if (a == 172 and 16 <= b <= 31) or (a == 192 and b == 168) or (a == 169 and b == 254):
        return False
    return not ((a == 100 and 64 <= b <= 127) or (a == 192 and b == 0) or (a == 198 and b in (18, 19)))


class _Part:
    __slots__ = ("_r",)

    def __init__(self, rng: random.Random):
        self._r = rng


class Number(_Part):
    """`rand.number`: numbers from common distributions."""

    __slots__ = ()

    def integer(self, a: int, b: int) -> int:
        """Uniform integer in [a, b]."""
        return a + int(self._r.random() * (b - a + 1))

    def floating(self, a: float, b: float) -> float:
        return self._r.uniform(a, b)

    def gauss(self, mu: float, sigma: float) -> float:
        return self._r.gauss(mu, sigma)

    def lognormal(self, mu: float, sigma: float) -> float:
        return self._r.lognormvariate(mu, sigma)

    def exponential(self, lambd: float) -> float:
        return self._r.expovariate(lambd)

    def pareto(self, alpha: float, xmin: float = 1.0) -> float:
        return xmin * self._r.paretovariate(alpha)

    def triangular(self, low: float, high: float, mode: float | None = None) -> float:
        return self._r.triangular(low, high, mode)

    def clamp(self, value: float, low: float, high: float) -> float:
        return max(low, min(high, value))


class String(_Part):
    """`rand.string`: random strings of a given size, or from a pattern."""

    __slots__ = ()

    def _of(self, alphabet: str, size: int) -> str:
        rand, n = self._r.random, len(alphabet)
        return "".join([alphabet[int(rand() * n)] for _ in range(int(size))])

    def letters_lowercase(self, size: int) -> str:
        return self._of(_LOWER, size)

    def letters_uppercase(self, size: int) -> str:
        return self._of(_UPPER, size)

    def letters(self, size: int) -> str:
        return self._of(_LETTERS, size)

    def digits(self, size: int) -> str:
        return self._of(_DIGITS, size)

    def punctuation(self, size: int) -> str:
        return self._of(_PUNCT, size)

    def hex(self, size: int) -> str:
        size = int(size)
        return f"{self._r.getrandbits(4 * size):0{size}x}" if size > 0 else ""  # one draw, not one per digit

    def alphanumeric(self, size: int) -> str:
        return self._of(_CLASSES["n"], size)

    def pattern(self, template: str) -> str:
        """Expand `%a` lower, `%A` upper, `%l` letter, `%d` digit, `%n` alphanumeric, `%h`/`%H` hex,
        `%p` punctuation, `%w` word character, `%%` a percent sign; `{N}` after a class repeats it N times."""
        out: list[str] = []
        i, size = 0, len(template)
        while i < size:
            ch = template[i]
            if ch != "%" or i + 1 >= size:
                out.append(ch)
                i += 1
                continue
            code = template[i + 1]
            i += 2
            if code == "%":
                out.append("%")
                continue
            alphabet = _CLASSES.get(code)
            if alphabet is None:
                raise ValueError(f"rand.string.pattern: unknown class %{code} in {template!r}")
            repeat = 1
            if i < size and template[i] == "{":
                end = template.find("}", i)
                if end < 0 or not template[i + 1 : end].isdigit():
                    raise ValueError(f"rand.string.pattern: bad repeat in {template!r}")
                repeat = int(template[i + 1 : end])
                i = end + 1
            out.append(self._of(alphabet, repeat))
        return "".join(out)


class Network(_Part):
    """`rand.network`: IPv4/IPv6 addresses and MAC addresses."""

    __slots__ = ()

    def ip_v4(self) -> str:
        return _dotted(self._r.getrandbits(32))

    def ip_v4_private_a(self) -> str:
        return _dotted((10 << 24) | self._r.getrandbits(24))

    def ip_v4_private_b(self) -> str:
        return _dotted((172 << 24) | (16 << 16) | self._r.getrandbits(20))

    def ip_v4_private_c(self) -> str:
        return _dotted((192 << 24) | (168 << 16) | self._r.getrandbits(16))

    def ip_v4_private(self) -> str:
        """An address from 10/8, 172.16/12 or 192.168/16 (each range equally likely)."""
        pick = int(self._r.random() * 3)
        return (self.ip_v4_private_a, self.ip_v4_private_b, self.ip_v4_private_c)[pick]()

    def ip_v4_public(self) -> str:
        """A unicast address outside private, loopback, link-local, CGNAT, test and multicast ranges."""
        bits = self._r.getrandbits
        while True:
            value = bits(32)
            if _is_public_v4(value):
                return _dotted(value)

    def ip_v4_in_subnet(self, cidr: str) -> str:
        first, size, version = _subnet(cidr)
        value = first + int(self._r.random() * size) if size < 2**52 else first + self._r.randrange(size)
        return _dotted(value) if version == 4 else str(ipaddress.IPv6Address(value))

    def ip_in_subnet(self, cidr: str) -> str:
        return self.ip_v4_in_subnet(cidr)

    def ip_v6(self) -> str:
        return str(ipaddress.IPv6Address(self._r.getrandbits(128)))

    def ip_v6_global(self) -> str:
        """Global unicast: 2000::/3."""
        return str(ipaddress.IPv6Address((0b001 << 125) | self._r.getrandbits(125)))

    def ip_v6_link_local(self) -> str:
        """fe80::/64."""
        return str(ipaddress.IPv6Address((0xFE80 << 112) | self._r.getrandbits(64)))

    def ip_v6_ula(self) -> str:
        """Unique local: fd00::/8."""
        return str(ipaddress.IPv6Address((0xFD << 120) | self._r.getrandbits(120)))

    def mac(self, oui: str | None = None, vendor: str | None = None, sep: str = ":") -> str:
        """A MAC address; `oui` ("00:50:56") or `vendor` (cisco, vmware, xen, virtualbox, qemu) fixes the prefix."""
        if vendor is not None:
            choices = VENDOR_OUI.get(vendor.lower())
            if choices is None:
                raise ValueError(f"rand.network.mac: unknown vendor {vendor!r}; known: {', '.join(VENDOR_OUI)}")
            prefix = choices[int(self._r.random() * len(choices))]
            value = (prefix << 24) | self._r.getrandbits(24)
        elif oui is not None:
            digits = oui.replace(":", "").replace("-", "").replace(".", "")
            value = (int(digits, 16) << 24) | self._r.getrandbits(24)
        else:
            value = (self._r.getrandbits(48) & ~(1 << 40)) | (1 << 41)  # unicast, locally administered
        text = f"{value:012x}"
        return sep.join(text[i : i + 2] for i in range(0, 12, 2))


class Crypto(_Part):
    """`rand.crypto`: random UUIDs and hex strings shaped like hashes."""

    __slots__ = ()

    def uuid4(self) -> str:
        """What `str(uuid.UUID(int=bits, version=4))` writes, without building the object."""
        h = f"{(self._r.getrandbits(128) & _UUID_KEEP) | _UUID_SET:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _hex(self, bits: int) -> str:
        return f"{self._r.getrandbits(bits):0{bits // 4}x}"

    def md5(self) -> str:
        return self._hex(128)

    def sha1(self) -> str:
        return self._hex(160)

    def sha256(self) -> str:
        return self._hex(256)

    def hex(self, size: int) -> str:
        return f"{self._r.getrandbits(4 * int(size)):0{int(size)}x}" if size else ""


class DateTime(_Part):
    """`rand.datetime`: random moments."""

    __slots__ = ()

    def timestamp(self, start: datetime | float, end: datetime | float, tz: Any = None) -> datetime:
        """A datetime uniform in [start, end] (datetimes or epoch seconds)."""
        a = start.timestamp() if isinstance(start, datetime) else float(start)
        b = end.timestamp() if isinstance(end, datetime) else float(end)
        zone = tz or (start.tzinfo if isinstance(start, datetime) else None) or UTC
        return datetime.fromtimestamp(self._r.uniform(a, b), zone)


class Rand:
    """`rand` (also `module.rand`): choices, numbers, strings, network values, UUIDs and hashes."""

    __slots__ = ("_cache", "_r", "crypto", "datetime", "network", "number", "string")

    def __init__(self, rng: random.Random):
        self._r = rng
        self._cache: dict[tuple[int, int], tuple[Any, Any, Any, list[float]]] = {}
        self.number = Number(rng)
        self.string = String(rng)
        self.network = Network(rng)
        self.crypto = Crypto(rng)
        self.datetime = DateTime(rng)

    def choice(self, seq: Sequence[Any]) -> Any:
        return seq[int(self._r.random() * len(seq))]

    def choices(self, seq: Sequence[Any], n: int) -> list[Any]:
        rand, size = self._r.random, len(seq)
        return [seq[int(rand() * size)] for _ in range(int(n))]

    def shuffle(self, seq: Sequence[Any]) -> list[Any]:
        """A shuffled copy."""
        items = list(seq)
        self._r.shuffle(items)
        return items

    def chance(self, probability: float) -> bool:
        return self._r.random() < probability

    def _weighted(self, items: Sequence[Any] | Mapping[Any, float], weights: Sequence[float] | None):
        """(values, cumulative weights), cached per (items, weights) objects: templates pass the same ones."""
        key = (id(items), id(weights))
        hit = self._cache.get(key)
        if hit is not None and hit[0] is items and hit[1] is weights:
            return hit[2], hit[3]
        values, cum = self._prepare(items, weights)
        if len(self._cache) > 256:
            self._cache.clear()
        self._cache[key] = (items, weights, values, cum)
        return values, cum

    @staticmethod
    def _prepare(items: Sequence[Any] | Mapping[Any, float], weights: Sequence[float] | None):
        if isinstance(items, Mapping):
            weights = list(items.values())
            items = list(items.keys())
        elif weights is None:  # Eventum: no weights is a uniform pick
            weights = [1.0] * len(items)
        if len(weights) != len(items) or not items:
            raise ValueError("weighted choice needs items and as many weights (or one {item: weight} map)")
        cum = list(accumulate(float(w) for w in weights))
        if not cum[-1] > 0:
            raise ValueError("weights must not all be 0")
        return items, cum

    def weighted_choice(self, items: Sequence[Any] | Mapping[Any, float], weights: Sequence[float] | None = None):
        values, cum = self._weighted(items, weights)
        return values[bisect_right(cum, self._r.random() * cum[-1])]

    def weighted_choices(
        self, items: Sequence[Any] | Mapping[Any, float], weights: Sequence[float] | None = None, n: int = 1
    ) -> list[Any]:
        values, cum = self._weighted(items, weights)
        rand, total = self._r.random, cum[-1]
        return [values[bisect_right(cum, rand() * total)] for _ in range(int(n))]

    def integer(self, a: int, b: int) -> int:
        """Shortcut of `number.integer`."""
        return a + int(self._r.random() * (b - a + 1))

    def floating(self, a: float, b: float) -> float:
        return self._r.uniform(a, b)

    def uuid4(self) -> str:
        return self.crypto.uuid4()

    def random(self) -> float:
        return self._r.random()
