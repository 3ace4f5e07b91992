"""How the opensearch output reaches its nodes through opensearch-py: the client's options (TLS, timeouts) and,
with `opensearchProxyUrl`, a connection class whose sockets open through that proxy's CONNECT tunnel
(`_proxy.open_socket`, as the http and clickhouse outputs do), so plain and TLS nodes go through it alike, TLS end
to end inside the tunnel. Imported when the output opens (opensearch-py is optional)."""

from __future__ import annotations

import socket
from typing import Any

import urllib3
from opensearchpy import Urllib3HttpConnection
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPSConnectionPool

from eventgen.plugin import Config

from ._net import tls_context
from ._proxy import open_socket


def client_options(cfg: Config) -> dict[str, Any]:
    """opensearch-py `OpenSearch(...)` keyword arguments for the output's settings."""
    connect = cfg.opensearchTimeout if cfg.opensearchConnectTimeout is None else cfg.opensearchConnectTimeout
    options: dict[str, Any] = {
        # urllib3 takes the two bounds apart: giving up on a dead node needs no answer timeout
        "timeout": urllib3.Timeout(connect=connect, read=cfg.opensearchTimeout),
        "max_retries": 0,
        "http_compress": cfg.opensearchGzip,
    }
    if cfg.opensearchUser:
        options["http_auth"] = (cfg.opensearchUser, cfg.opensearchPassword or "")
    if any(host.startswith("https") for host in cfg.opensearchHosts):
        # one context for every case: opensearch-py drops the client certificate when verify_certs is false
        options["ssl_context"] = tls_context(
            cfg.opensearchVerify, cfg.opensearchCaFile, cfg.opensearchClientCertFile, cfg.opensearchClientKeyFile
        )
        if not cfg.opensearchVerify:  # asked for: no warning per request (opensearch-py's ssl_show_warn=False)
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    if cfg.opensearchProxyUrl:
        options["connection_class"] = through_proxy(cfg.opensearchProxyUrl, connect)
    return options


def through_proxy(proxy: str, connect: float) -> type:
    """An opensearch-py connection class whose urllib3 connections open their sockets through `proxy`, waiting at
    most `connect` seconds for the proxy and its tunnel (urllib3 sets the answer bound on the socket after)."""

    def tunnel(conn: HTTPConnection) -> socket.socket:
        return open_socket(conn.host, conn.port, connect, proxy, f"{conn.host}:{conn.port}")

    class Plain(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return tunnel(self)

    class Tls(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return tunnel(self)

    class ProxiedNode(Urllib3HttpConnection):
        def _create_urllib3_pool(self) -> None:
            super()._create_urllib3_pool()
            self.pool.ConnectionCls = Tls if isinstance(self.pool, HTTPSConnectionPool) else Plain

    return ProxiedNode
