"""`outputMode = http` (Eventum's http output) against a real HTTP server on loopback."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.integration.helpers import row, run
from tests.json_http import JsonHttpServer

pytestmark = pytest.mark.integration


class Collector(JsonHttpServer):
    """Keeps every request; answers `status` (a 503 first for the first `busy` requests)."""

    def __init__(self, status: int = 201, busy: int = 0):
        super().__init__()
        self.status, self.busy = status, busy
        self.requests: list[tuple[str, dict[str, str], bytes]] = []

    def answer(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        if self.busy:
            self.busy -= 1
            return 503, {"error": "busy"}
        self.requests.append((path, dict(headers), body))
        return self.status, {"ok": True}


CONF = """
[ids\\.log]
count = 30
jobSize = 10
end = 1
timeMode = sample
outputMode = http
httpUrl = http://127.0.0.1:{port}/ingest?src=eg
httpUser = ann
httpPassword = s3cret
httpHeaders = {{"X-Tenant": "blue"}}
{extra}
token.0.token = @@ID
token.0.replacementType = integerid
token.0.replacement = 0
"""


@pytest.mark.parametrize(
    ("extra", "decode"),
    [
        ("", lambda body: body.decode().splitlines()),
        ("outputFormat = jsonbatch", lambda body: [json.dumps(e) for e in json.loads(body)]),
    ],
)
def test_each_batch_is_one_request_with_auth_and_headers(tmp_path, extra, decode):
    server = Collector(busy=1).start()
    try:
        proc, summary = run(
            tmp_path, CONF.format(port=server.port, extra=extra), sample='{"id": @@ID}\n', name="ids.log"
        )
    finally:
        server.stop()
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "http")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (30, 30, 0)
    assert len(server.requests) == 3  # one request per batch (the busy answer was retried)
    events = [line for _, _, body in server.requests for line in decode(body)]
    assert sorted(json.loads(e)["id"] for e in events) == list(range(30))
    path, headers, _ = server.requests[0]
    assert path == "/ingest?src=eg"
    assert headers["X-Tenant"] == "blue"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"ann:s3cret").decode()


def test_an_unexpected_status_fails_the_batch_with_its_reason(tmp_path):
    server = Collector(status=400).start()
    try:
        proc, summary = run(tmp_path, CONF.format(port=server.port, extra=""), sample='{"id": @@ID}\n', name="ids.log")
    finally:
        server.stop()
    assert proc.returncode == 1
    counts = row(summary, "http")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (30, 0, 30)
    assert "HTTP 400 (expected 201)" in summary["errors"]["http"]
    assert len(server.requests) == 3  # 400 is not retried
