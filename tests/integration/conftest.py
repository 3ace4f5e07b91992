"""Integration fixtures: real receivers on loopback (see tests/servers.py)."""

from tests.server_process import secret_hec, server_workspace  # noqa: F401
from tests.servers import hec, osmem, rsyslog, tansu, tls_cert, tls_hec, tls_rsyslog  # noqa: F401
