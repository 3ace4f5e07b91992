"""Typed configs from declarations: defaults declared once, attribute access, frozen, equal by value."""

from __future__ import annotations

import pytest

from eventgen.core.config import config_type
from eventgen.core.settings import Setting, parse_int, parse_json, parse_list, port

DECLARED = (
    Setting("tcpDestinationPort", port, "3333"),
    Setting("hosts", parse_list),
    Setting("extra", parse_json, "{}"),
    Setting("batch", parse_int, "64"),
)
TcpConfig = config_type("output tcp", DECLARED)


def test_missing_and_none_values_take_their_declared_default() -> None:
    config = TcpConfig.of({"hosts": ["a:1"], "batch": None})
    assert config.tcpDestinationPort == 3333
    assert config.batch == 64
    assert config.extra == {}
    assert config.hosts == ["a:1"]
    assert config.as_dict() == {"tcpDestinationPort": 3333, "hosts": ["a:1"], "extra": {}, "batch": 64}


def test_an_undeclared_name_is_an_error_that_names_the_config() -> None:
    config = TcpConfig.of({})
    with pytest.raises(AttributeError, match=r"output tcp declares no setting 'tcpDestinationHost'"):
        _ = config.tcpDestinationHost
    with pytest.raises(AttributeError, match="output tcp declares no setting nope"):
        config.replace(nope=1)


def test_configs_are_frozen() -> None:
    config = TcpConfig.of({})
    with pytest.raises(AttributeError, match="frozen"):
        config.batch = 3  # type: ignore[misc]


def test_equal_values_are_equal_configs_json_included() -> None:
    one = TcpConfig.of({"extra": {"b": [1, 2], "a": {"x": 1}}, "hosts": ["h:1"]})
    two = TcpConfig.of({"hosts": ["h:1"], "extra": {"a": {"x": 1}, "b": [1, 2]}})
    other = TcpConfig.of({"hosts": ["h:2"], "extra": {"a": {"x": 1}, "b": [1, 2]}})
    assert one == two and hash(one) == hash(two)
    assert one != other
    assert len({one, two, other}) == 2
    assert one.replace(hosts=["h:2"]) == other


def test_configs_of_different_types_are_never_equal() -> None:
    Other = config_type("output udp", DECLARED)
    assert TcpConfig.of({}) != Other.of({})
    assert type(TcpConfig.of({})).__name__ == "OutputTcpConfig"
