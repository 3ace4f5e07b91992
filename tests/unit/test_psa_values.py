"""pytest-splunk-addon's typed replacements and `replacementType = all`, in process: every value parsed as what it
claims to be (ipaddress, uuid, urllib), ranges as that tool documents them, user and email of one event agreeing,
and the same seed giving the same values."""

from __future__ import annotations

import ipaddress
import re
import uuid
from datetime import UTC
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from eventgen.core.settings import SettingError
from eventgen.core.tokens import TokenSpec, token_specs
from eventgen.render.expand import all_values, expand_all
from eventgen.render.providers import make_provider
from eventgen.render.tokens import RenderContext, RenderPlan

N = 2000


def values(replacement: str, seed: int = 5, n: int = N, offset: int = 0, resolve=Path) -> list[str]:
    spec = TokenSpec(0, re.compile("@x@"), "random", replacement)
    return make_provider(spec, UTC, resolve)(context(n, seed, offset))


def context(n: int, seed: int = 5, offset: int = 0) -> RenderContext:
    return RenderContext(n, np.random.default_rng(seed), np.zeros(n), offset, lambda: np.ones(n))


def in_network(texts: list[str], network: str) -> bool:
    net = ipaddress.ip_network(network)
    return all(ipaddress.ip_address(t) in net for t in texts)


def test_addresses_fall_in_the_ranges_the_tool_documents() -> None:
    assert in_network(values('src["ipv4"]'), "10.1.0.0/16")
    assert in_network(values('dest["ipv4"]'), "10.100.0.0/16")
    dvc = [ipaddress.ip_address(v) for v in values('dvc["ipv4"]')]
    assert min(dvc) >= ipaddress.ip_address("172.16.0.1") and max(dvc) <= ipaddress.ip_address("172.16.50.254")
    for field, last in (("src", "1"), ("dest", "2"), ("dvc", "3"), ("host", "4")):
        assert in_network(values(f'{field}["ipv6"]'), f"fdee:1fe4:2b8c:326{last}::/64")
    hosts = [ipaddress.ip_address(v) for v in values('host["ipv4"]')]
    assert all(h.version == 4 and not h.is_loopback and not h.is_multicast for h in hosts)
    assert all(not v.endswith((".0", ".255")) for v in values('host["ipv4"]'))
    assert len(set(values("ipv6"))) == N and all(ipaddress.ip_address(v).version == 6 for v in values("ipv6"))


def test_host_names_and_fqdns_are_sequential_per_field() -> None:
    assert values('src["host"]', n=3, offset=7) == ["src_sample_host_8", "src_sample_host_9", "src_sample_host_10"]
    assert values('dest["fqdn"]', n=2) == ["dest_sample_host.sample_domain1.com", "dest_sample_host.sample_domain2.com"]
    assert values('dvc["host"]', n=1, offset=999) == ["dvc_sample_host_1000"]
    assert values('dvc["host"]', n=1, offset=1000) == ["dvc_sample_host_1"]  # a bounded pool of 1000 names


def test_several_kinds_are_mixed_per_event() -> None:
    mixed = values('dvc["fqdn","host","ipv4"]')
    fqdn = [v for v in mixed if v.endswith(".com")]
    host = [v for v in mixed if v.startswith("dvc_sample_host_")]
    ipv4 = [v for v in mixed if re.fullmatch(r"[\d.]+", v)]
    assert len(fqdn) + len(host) + len(ipv4) == N
    assert all(500 < len(kind) < 830 for kind in (fqdn, host, ipv4))  # about a third each
    assert in_network(ipv4, "172.16.0.0/18")
    bare = values("dest", n=400)  # no list: every kind of the field
    assert any(":" in v for v in bare) and any(v.endswith(".com") for v in bare)


def test_users_and_emails_of_one_event_are_the_same_user() -> None:
    ctx = context(N)
    specs = [
        TokenSpec(0, re.compile("@user@"), "random", 'user["name","email","domain_user","distinquised_name"]'),
        TokenSpec(1, re.compile("@mail@"), "random", "email"),
    ]
    plan = RenderPlan(["u=@user@ m=@mail@"], specs, [make_provider(s, UTC, Path) for s in specs])
    events = plan.render(np.zeros(N, dtype=int), ctx)
    forms = {"name": 0, "email": 0, "domain": 0, "dn": 0}
    for event in events:
        user, mail = re.fullmatch(r"u=(\S+) m=(\S+)", event).groups()
        number = re.fullmatch(r"user(\d+)@email\.com", mail).group(1)
        assert 1 <= int(number) <= 1000
        kind = {
            f"user{number}": "name",
            mail: "email",
            f"sample_domain.com\\user{number}": "domain",
            f"CN=user{number}": "dn",
        }[user]
        forms[kind] += 1
    assert all(count > 350 for count in forms.values()), forms


def test_urls_parse_and_hold_the_parts_asked_for() -> None:
    for url in values('url["full"]'):
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and parts.hostname and parts.path.startswith("/"), url
        assert parse_qs(parts.query, strict_parsing=True), url
    ip_hosts = values('url["ip_host", "path"]', n=200)
    assert all(re.fullmatch(r"[\d.]+/\S+", u) for u in ip_hosts)
    assert all(ipaddress.ip_address(u.split("/")[0]) for u in ip_hosts)
    fqdn = [urlsplit(u) for u in values('url["fqdn_host","protocol","path"]', n=200)]
    domain = re.compile(r"www\.[a-z]+\.(com|net|org|io)")
    assert all(p.scheme in ("http", "https") and domain.fullmatch(p.hostname or "") for p in fqdn)
    assert all(not p.query for p in fqdn)
    assert all(u.startswith("/") and "?" not in u for u in values('url["path"]', n=200))
    query = re.compile(r"\?[a-z]{2,5}=[a-z0-9]{2,5}(&[a-z]{2,5}=[a-z0-9]{2,5}){0,3}")
    assert all(query.fullmatch(u) for u in values("url['query']"))


def test_ports_ids_and_simple_values() -> None:
    ports = [int(v) for v in values("src_port")]
    assert min(ports) >= 4000 and max(ports) <= 5000 and len(set(ports)) > 600
    assert set(values("dest_port")) == {"80", "443", "25", "22", "21"}
    assert all(uuid.UUID(v).version == 4 for v in values("guid"))
    assert all(re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", v) for v in values("mac"))
    assert all(re.fullmatch(r"[0-9A-F]{8}", v) for v in values("hex(8)"))
    assert all(re.fullmatch(r"user\d+@email\.com", v) for v in values("email"))


def test_file_replacements_by_line_column_and_header(tmp_path: Path) -> None:
    (tmp_path / "apps.csv").write_text("app,risk\nssl,1\ndns,2\nbittorrent,5\n", encoding="utf-8")
    (tmp_path / "hosts.txt").write_text("alpha\n\nbeta\n", encoding="utf-8")
    assert set(values("file[hosts.txt]", resolve=lambda p: tmp_path / p)) == {"alpha", "beta"}
    assert set(values("file[apps.csv:risk]", resolve=lambda p: tmp_path / p)) == {"1", "2", "5"}
    assert set(values("file[apps.csv:1]", resolve=lambda p: tmp_path / p)) == {"app", "ssl", "dns", "bittorrent"}
    with pytest.raises(SettingError, match=r"no column 'owner' in its header \(app, risk\)"):
        values("file[apps.csv:owner]", resolve=lambda p: tmp_path / p)


def test_the_same_seed_gives_the_same_values_and_another_seed_others() -> None:
    for replacement in ('src["ipv4","ipv6","fqdn"]', 'url["full"]', 'user["name","email"]', "src_port"):
        assert values(replacement, seed=11) == values(replacement, seed=11)
        assert values(replacement, seed=11) != values(replacement, seed=12)


def test_malformed_typed_replacements_are_refused_naming_what_is_allowed() -> None:
    with pytest.raises(SettingError, match=r"src\[\.\.\.\]: unknown 'ipv5'; allowed: host, ipv4, ipv6, fqdn"):
        values('src["ipv5"]')
    with pytest.raises(SettingError, match=r"url\[\.\.\.\]: unknown 'host'; allowed: ip_host, fqdn_host"):
        values('url["host"]')
    with pytest.raises(SettingError, match=r"user\[\.\.\.\]: .* is not a list"):
        values("user[name]")


def test_all_tokens_multiply_the_events_that_hold_them() -> None:
    specs, problems = token_specs(
        [
            (
                "s",
                {
                    "token.0.token": "@a@",
                    "token.0.replacementType": "all",
                    "token.0.replacement": 'list["x","y"]',
                    "token.1.token": "@n@",
                    "token.1.replacementType": "all",
                    "token.1.replacement": "integer[1:4]",
                    "token.2.token": "@ip@",
                    "token.2.replacementType": "all",
                    "token.2.replacement": "ipv4",
                },
            )
        ]
    )
    assert problems == []
    expanded = expand_all(["a=@a@ n=@n@ again=@a@", "plain", "n=@n@ ip=@ip@"], specs, Path)
    assert expanded.texts == [
        "a=x n=1 again=x",
        "a=x n=2 again=x",
        "a=x n=3 again=x",
        "a=y n=1 again=y",
        "a=y n=2 again=y",
        "a=y n=3 again=y",
        "plain",
        "n=1 ip=@ip@",
        "n=2 ip=@ip@",
        "n=3 ip=@ip@",
    ]
    assert expanded.origin == [0, 0, 0, 0, 0, 0, 1, 2, 2, 2]
    assert [(s.number, s.rtype) for s in expanded.tokens] == [(2, "random")]  # `all` of ipv4: drawn at random
    assert all_values("integer[1:5]", Path) == ["1", "2", "3", "4"]  # the end is excluded, as the tool counts
    assert all_values("list['a', 'b']", Path) == ["a", "b"]
    with pytest.raises(SettingError, match="over 100000 values"):
        all_values("integer[0:1000000]", Path)
