"""Integration fixtures: real receivers on loopback (see tests/servers.py)."""

from tests.servers import hec, osmem, rsyslog, tansu  # noqa: F401
