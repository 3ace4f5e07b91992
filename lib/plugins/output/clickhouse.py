"""`outputMode = clickhouse`: one INSERT per batch through ClickHouse's HTTP interface (Eventum's clickhouse output).

`POST /?query=INSERT INTO `db`.`table` FORMAT <clickhouseInputFormat>` with the body `clickhouseHeader` + the
events joined by `clickhouseSeparator` + `clickhouseFooter`; user and password go in the X-ClickHouse-User and
X-ClickHouse-Key headers. HTTP 200 means ClickHouse stored the batch (all its events count sent); an error answer
(`Code: 60. DB::Exception: ...`) fails the whole batch, named in the summary: retried when the server may take it
later (5xx, 408, 429, connection errors), at once when the data or the table is wrong (4xx, or a parse/schema
error code that old servers answer with 500).
"""

from __future__ import annotations

import http.client
import re
import ssl
from urllib.parse import urlencode

import numpy as np

from eventgen.plugin import (
    LineFrames,
    OutputError,
    OutputPlugin,
    PathKind,
    Payload,
    Setting,
    SettingError,
    WriteResult,
    at_least,
    choice,
    http_url,
    parse_bool,
    parse_float,
    parse_host,
    parse_int,
    parse_json,
    port,
)

from ._checks import tls_problems
from ._net import peer_gone, tls_context, tls_wrap
from ._proxy import open_socket, proxy_problem

RETRYABLE_STATUS = {408, 429}  # and every 5xx, unless the exception code says the data is wrong
# ClickHouse exception codes that no retry can cure: the rows do not parse or fit the table, the table, database,
# format or column is unknown, or the user is refused (servers before 2020 answer several of them with HTTP 500)
PERMANENT_CODES = frozenset(
    {6, 8, 16, 26, 27, 36, 38, 41, 47, 53, 60, 62, 72, 73, 81, 117, 192, 193, 194, 497, 516}
)  # fmt: skip
AUTH_CODES = frozenset({192, 193, 194, 497, 516})
_CODE = re.compile(r"Code: (\d+)")
_VERSION = re.compile(r"\s*\(version [^()]*(\([^()]*\))?[^()]*\)\s*$")
_FORMAT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\"}


def escaped(text: str) -> str:
    """A string with backslash escapes `\\n`, `\\t`, `\\r`, `\\0` and `\\\\` (conf values cannot hold a newline)."""

    def one(match: re.Match) -> str:
        char = match.group(1)
        if char not in _ESCAPES:
            raise SettingError(f"unknown escape \\{char} (known: \\n \\t \\r \\0 \\\\)")
        return _ESCAPES[char]

    return re.sub(r"\\(.)", one, text, flags=re.S)


escaped.__name__ = "parse_str"


def quote_identifier(name: str) -> str:
    """A ClickHouse identifier in backticks (backslash and backtick escaped)."""
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def one_line(answer: bytes, limit: int = 300) -> str:
    """A ClickHouse error answer as one line: whitespace collapsed, the version note dropped, truncated."""
    text = " ".join(answer.decode(errors="replace").split())
    text = _VERSION.sub("", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InsertFrames(LineFrames):
    """Each event's text followed by the separator (`LineFrames` when it is a newline); `write` drops the last
    separator and adds header and footer, so the body is header + events joined by separator + footer."""

    def __init__(self, text, separator: str):
        super().__init__(text)
        self.separator = separator

    def __call__(self, batch) -> Payload:
        if self.separator == "\n":
            return super().__call__(batch)
        if self.text.per_batch:  # one text for the whole batch (json-batch, template-batch)
            data = (self.text(batch)[0] + self.separator).encode() if len(batch) else b""
            bounds = np.array([0] + [len(data)] * len(batch), dtype=np.int64)
            return Payload(batch.sample, batch.seq, data, len(batch), batch, {}, 0, bounds)
        texts = batch.events if self.text.raw else self.text(batch)
        return Payload.of_texts(batch, list(texts), self.separator)


class ClickHouseOutput(OutputPlugin):
    name = "clickhouse"
    summary = "One INSERT per batch through ClickHouse's HTTP interface (Eventum's clickhouse output)."
    retries_setting = "clickhouseRetries"
    settings = (
        Setting("clickhouseHost", parse_host, "127.0.0.1", "ClickHouse server (host name or address)."),
        Setting("clickhousePort", port, "8123", "HTTP(S) port of ClickHouse's HTTP interface (8443 is its HTTPS one)."),
        Setting("clickhouseProtocol", choice("http", "https"), "http", "`http` or `https` (TLS)."),
        Setting("clickhouseDatabase", default="default", doc="Database of the table."),
        Setting("clickhouseTable", default=None, doc="Table to insert into (required); it must exist."),
        Setting("clickhouseUser", default="default", doc="User, sent as the X-ClickHouse-User header."),
        Setting(
            "clickhousePassword", default=None, doc="Password, sent as the X-ClickHouse-Key header (default: none)."
        ),
        Setting(
            "clickhouseInputFormat",
            default="JSONEachRow",
            doc="ClickHouse input format of the body (`JSONEachRow`, `CSV`, `TSV`, `CSVWithNames`, "
            "`JSONCompactEachRow`, …): the events' text (`outputFormat`) must be in it.",
        ),
        Setting("clickhouseHeader", escaped, None, "Text before the events in each body (`\\n` `\\t` escapes)."),
        Setting("clickhouseFooter", escaped, None, "Text after the events in each body (`\\n` `\\t` escapes)."),
        Setting("clickhouseSeparator", escaped, "\\n", "Text between events (`\\n` `\\t` escapes; default a newline)."),
        Setting(
            "clickhouseSettings",
            parse_json,
            None,
            'ClickHouse settings for each INSERT, a JSON object: `{"date_time_input_format": "best_effort"}`.',
        ),
        Setting("clickhouseClientName", default=None, doc="Put before `eventgen` in the User-Agent (query log)."),
        Setting("clickhouseConnectTimeout", at_least(parse_float, 0.1), "10", "Seconds to connect."),
        Setting("clickhouseTimeout", at_least(parse_float, 0.1), "300", "Seconds to wait for an INSERT's answer."),
        Setting("clickhouseVerify", parse_bool, "true", "HTTPS: verify the server's certificate and host name."),
        Setting(
            "clickhouseCaFile", default=None, doc="HTTPS: CA bundle (PEM) to verify the server with.", path=PathKind.TLS
        ),
        Setting(
            "clickhouseCertFile", default=None, doc="HTTPS: client certificate (PEM) to present.", path=PathKind.TLS
        ),
        Setting("clickhouseKeyFile", default=None, doc="HTTPS: the client certificate's key (PEM).", path=PathKind.TLS),
        Setting(
            "clickhouseProxy",
            http_url,
            None,
            "An http:// proxy whose CONNECT tunnel carries the connection (Eventum's `proxy_url`).",
        ),
        Setting(
            "clickhouseServerName",
            parse_host,
            None,
            "HTTPS: the name the server's certificate is checked against and sent as SNI (default: the host).",
        ),
        Setting(
            "clickhouseRetries",
            at_least(parse_int, 0),
            None,
            "Attempts after a retryable failure: overrides outputRetries for this output.",
        ),
    )

    @classmethod
    def check(cls, settings) -> list[tuple[str, str]]:
        problems = []
        if not settings.clickhouseTable:
            problems.append(("clickhouseTable", "outputMode = clickhouse needs clickhouseTable (an existing table)"))
        fmt = settings.clickhouseInputFormat
        if not _FORMAT.fullmatch(fmt):
            problems.append(("clickhouseInputFormat", f"not a ClickHouse format name: {fmt!r}"))
        extra = settings.clickhouseSettings
        if extra is not None and not isinstance(extra, dict):
            problems.append(("clickhouseSettings", "must be a JSON object of setting: value"))
        proxy = proxy_problem(settings.clickhouseProxy)
        if proxy:
            problems.append(("clickhouseProxy", proxy))
        return problems + tls_problems(settings, "clickhouseCaFile", "clickhouseCertFile", "clickhouseKeyFile")

    def __init__(self, settings) -> None:
        super().__init__(settings)
        cfg = self.config
        self.host, self.port = cfg.clickhouseHost, cfg.clickhousePort
        self.secure = cfg.clickhouseProtocol == "https"
        self.where = f"{cfg.clickhouseProtocol}://{self.host}:{self.port}"
        self.header = (cfg.clickhouseHeader or "").encode()  # unset: nothing before the events
        self.footer = (cfg.clickhouseFooter or "").encode()
        table = f"{quote_identifier(cfg.clickhouseDatabase)}.{quote_identifier(cfg.clickhouseTable)}"
        query = {"query": f"INSERT INTO {table} FORMAT {cfg.clickhouseInputFormat}"}
        for key, value in (cfg.clickhouseSettings or {}).items():
            query[str(key)] = str(int(value) if isinstance(value, bool) else value)
        self.target = "/?" + urlencode(query)
        client = cfg.clickhouseClientName
        self.headers = {
            "X-ClickHouse-User": cfg.clickhouseUser,
            "X-ClickHouse-Key": cfg.clickhousePassword or "",  # unset: no password
            "Content-Type": "text/plain; charset=utf-8",
            "User-Agent": f"{client} eventgen" if client else "eventgen",
        }
        self.tls: ssl.SSLContext | None = None
        self.conn: http.client.HTTPConnection | None = None
        self.used = 0  # requests answered on the current connection
        self.uncertain: tuple[str, int, int] | None = None  # a batch posted whose answer was lost

    def formatter(self) -> InsertFrames:
        return InsertFrames(self.event_text(), self.config.clickhouseSeparator)

    def body(self, payload: Payload) -> bytes:
        """header + the events joined by the separator + footer, in one copy of the batch's bytes."""
        data = memoryview(payload.data)
        cut = len(self.config.clickhouseSeparator.encode())
        if cut and payload.count:
            data = data[:-cut]
        return b"".join((self.header, data, self.footer))

    # -- connection ------------------------------------------------------------------------------------------------
    def open(self) -> None:
        if self.secure:
            cfg = self.config
            files = (cfg.clickhouseCaFile, cfg.clickhouseCertFile, cfg.clickhouseKeyFile)
            self.tls = tls_context(cfg.clickhouseVerify, *files)

    def _connection(self) -> http.client.HTTPConnection:
        """The kept-alive connection; one the server closed while idle (its keep_alive_timeout) is replaced first."""
        if self.conn is not None and (self.conn.sock is None or peer_gone(self.conn.sock)):
            self.close()
        if self.conn is None:
            cfg = self.config
            where = f"ClickHouse {self.where}"
            sock = open_socket(self.host, self.port, cfg.clickhouseConnectTimeout, cfg.clickhouseProxy, where)
            sock.settimeout(cfg.clickhouseTimeout)
            if self.tls is not None:
                name = cfg.clickhouseServerName or self.host  # unset: the certificate names the host
                sock = tls_wrap(sock, self.tls, name, f"ClickHouse {self.where}")
            conn = http.client.HTTPConnection(self.host, self.port)
            conn.sock = sock
            self.conn, self.used = conn, 0
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    # -- sending ---------------------------------------------------------------------------------------------------
    def write(self, payload: Payload) -> WriteResult:
        body = self.body(payload)
        key = (payload.sample, payload.seq, payload.offset)
        status, answer, reposted = self._post(body, key)
        if status != 200:
            raise self._refusal(status, answer)
        resent = payload.count if reposted or self.uncertain == key else 0  # an earlier copy may have been stored
        self.uncertain = None
        return WriteResult(resent=resent, bytes=len(body))

    def _post(self, body: bytes, key: tuple[str, int, int]) -> tuple[int, bytes, bool]:
        """POST the INSERT: (status, answer, re-posted). A kept-alive connection found closed when posting is
        replaced and the INSERT posted once more (re-posted: the first copy may have arrived)."""
        for attempt in (0, 1):
            conn = self._connection()
            reused, posted = self.used > 0, False
            try:
                conn.request("POST", self.target, body=body, headers=self.headers)
                posted = True
                response = conn.getresponse()
                answer = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                if reused and attempt == 0:
                    continue
                raise self._lost(f"connection lost: {exc}", posted, key) from exc
            except TimeoutError as exc:
                self.close()
                raise self._lost(f"no answer within {self.config.clickhouseTimeout:g}s", posted, key) from exc
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise self._lost(f"{type(exc).__name__}: {exc}", posted, key) from exc
            self.used += 1
            if response.will_close:
                self.close()
            return response.status, answer, attempt > 0
        raise AssertionError("unreachable")

    def _lost(self, detail: str, posted: bool, key: tuple[str, int, int]) -> OutputError:
        if posted:  # the INSERT went out: ClickHouse may have stored it, so a retry may duplicate it
            self.uncertain = key
        return OutputError(f"ClickHouse {self.where}: {detail}")

    def _refusal(self, status: int, answer: bytes) -> OutputError:
        detail = one_line(answer) or http.client.responses.get(status, "")
        match = _CODE.search(detail)
        code = int(match.group(1)) if match else None
        message = f"ClickHouse {self.where} answered HTTP {status}: {detail}"
        if status in (401, 403) or code in AUTH_CODES:
            return OutputError(f"{message}; check clickhouseUser/clickhousePassword", retryable=False)
        retryable = (status >= 500 or status in RETRYABLE_STATUS) and code not in PERMANENT_CODES
        return OutputError(message, retryable=retryable)
