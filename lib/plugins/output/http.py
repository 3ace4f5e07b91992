"""`outputMode = http`: each batch is one request to `httpUrl` (Eventum's http output), body = the formatted batch.

With `outputFormat = jsonbatch` the body is one JSON array of the batch's events; with a per-event format it is
the events one a line. A status other than `httpSuccessCode` fails the batch (retried when 408, 429 or 5xx).
"""

from __future__ import annotations

import base64
import http.client
from urllib.parse import urlsplit

from eventgen.plugin import (
    OutputError,
    OutputPlugin,
    PathKind,
    Payload,
    Setting,
    at_least,
    choice,
    http_url,
    parse_bool,
    parse_float,
    parse_int,
    parse_json,
)

from ._checks import tls_problems
from ._net import RETRYABLE_STATUS, tls_context, tls_wrap
from ._proxy import open_socket, proxy_problem


class HttpOutput(OutputPlugin):
    name = "http"
    summary = "One HTTP request per batch to any URL (Eventum's http output): method, headers, basic auth."
    retries_setting = "httpRetries"
    settings = (
        Setting("httpUrl", http_url, None, "URL to send each batch to (`http://` or `https://`, with a host)."),
        Setting(
            "httpMethod",
            choice("POST", "PUT", "PATCH", "GET", "DELETE", "HEAD", "OPTIONS"),
            "POST",
            "Request method.",
        ),
        Setting("httpSuccessCode", at_least(parse_int, 100), "201", "Status that means the batch was taken."),
        Setting("httpHeaders", parse_json, None, 'Extra headers, a JSON object: `{"X-Token": "abc"}`.'),
        Setting("httpUser", default=None, doc="Basic-auth user."),
        Setting("httpPassword", default=None, doc="Basic-auth password."),
        Setting("httpVerify", parse_bool, "false", "HTTPS: verify the server's certificate (Eventum's default: no)."),
        Setting("httpCaFile", default=None, doc="HTTPS: CA bundle (PEM) to verify the server with.", path=PathKind.TLS),
        Setting("httpTimeout", at_least(parse_float, 0.1), "300", "Seconds to wait for a response."),
        Setting(
            "httpConnectTimeout",
            at_least(parse_float, 0.1),
            None,
            "Seconds to wait for the connection (Eventum's `connect_timeout`). Default: httpTimeout.",
        ),
        Setting("httpCertFile", default=None, doc="HTTPS: client certificate (PEM) for mutual TLS.", path=PathKind.TLS),
        Setting(
            "httpKeyFile", default=None, doc="HTTPS: key of the client certificate (when not in it).", path=PathKind.TLS
        ),
        Setting(
            "httpProxy",
            http_url,
            None,
            "An http:// proxy (`http://user:pass@host:3128`) whose CONNECT tunnel carries every request, plain or "
            "TLS (Eventum's `proxy_url`).",
        ),
        Setting(
            "httpRetries",
            at_least(parse_int, 0),
            None,
            "Attempts after a failed batch: overrides outputRetries for this output.",
        ),
    )

    @classmethod
    def check(cls, config) -> list[tuple[str, str]]:
        if not config.httpUrl:
            return [("httpUrl", "outputMode = http needs httpUrl = http://host:port/path (or https://)")]
        headers = config.httpHeaders
        if headers is not None and not isinstance(headers, dict):
            return [("httpHeaders", "must be a JSON object of header: value")]
        problem = proxy_problem(config.httpProxy)
        if problem:
            return [("httpProxy", problem)]
        return tls_problems(config, "httpCaFile", "httpCertFile", "httpKeyFile")

    def open(self) -> None:
        cfg = self.config
        parts = urlsplit(cfg.httpUrl)  # checked by its parser: http(s), with a host
        self.secure = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.secure else 80)  # the scheme's port when the URL names none
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.headers = {"Content-Type": "application/json"}
        if cfg.httpHeaders:
            self.headers.update({str(k): str(v) for k, v in cfg.httpHeaders.items()})
        if cfg.httpUser is not None:
            token = base64.b64encode(f"{cfg.httpUser}:{cfg.httpPassword or ''}".encode()).decode()
            self.headers["Authorization"] = f"Basic {token}"
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        """The kept-alive connection, made here (never by http.client, which would bypass the proxy)."""
        if self.conn is not None and self.conn.sock is None:
            self.close()
        if self.conn is None:
            cfg = self.config
            where = f"{self.host}:{self.port}"
            connect = cfg.httpTimeout if cfg.httpConnectTimeout is None else cfg.httpConnectTimeout
            sock = open_socket(self.host, self.port, connect, cfg.httpProxy, where)
            sock.settimeout(cfg.httpTimeout)
            if self.secure:
                context = tls_context(cfg.httpVerify, cfg.httpCaFile, cfg.httpCertFile, cfg.httpKeyFile)
                sock = tls_wrap(sock, context, self.host, where)
            self.conn = http.client.HTTPConnection(self.host, self.port)
            self.conn.sock = sock
        return self.conn

    def write(self, payload: Payload) -> None:
        body = bytes(payload.data)
        try:
            conn = self._connection()
            conn.request(self.config.httpMethod, self.target, body=body, headers=self.headers)
            response = conn.getresponse()
            detail = response.read()[:200].decode(errors="replace")
        except OutputError:
            self.close()
            raise
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise OutputError(f"{self.host}:{self.port}: {type(exc).__name__}: {exc}") from None
        expected = self.config.httpSuccessCode
        if response.status != expected:
            raise OutputError(
                f"{self.config.httpUrl}: HTTP {response.status} (expected {expected}): {detail}",
                retryable=response.status in RETRYABLE_STATUS,
            )

    def close(self) -> None:
        conn = getattr(self, "conn", None)  # absent when __init__ failed
        if conn is not None:
            conn.close()
            self.conn = None
