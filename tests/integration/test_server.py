"""`eventgen server` over real HTTP: a real server process, a real HEC receiver on loopback.

A generator is added, started, read live, re-rated, stopped; its counts are checked against the receiver, the
run summary and /metrics (parsed with prometheus_client's own parser); the server is restarted and the generator
is still defined; secrets never appear in an answer; nothing outside the workspace is read or written."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.hec_receiver import HecReceiver
from tests.server_process import HEC_TOKEN, ServerProcess, spec
from tests.servers import self_signed_cert
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


def metric_values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(sample name, sorted labels) → value of every sample of an exposition."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def received_rate(hec: HecReceiver, seconds: float) -> float:
    """Events/s the receiver took over `seconds` (a deadline, not a fixed wait: the window is measured)."""
    first, start = len(hec.events), time.monotonic()
    wait_for(lambda: time.monotonic() - start >= seconds, f"{seconds}s of traffic", seconds + 5, interval=0.05)
    return (len(hec.events) - first) / (time.monotonic() - start)


def test_add_start_rate_stop_and_survive_a_restart(server_workspace: Path, secret_hec: HecReceiver):
    server = ServerProcess(server_workspace).start()
    try:
        added = server.call("POST", "/api/generators", 201, json=spec(secret_hec, 300))
        assert (added["id"], added["state"], added["target_rate"]) == ("web", "stopped", 300.0)
        assert server.call("POST", "/api/generators/web/start")["state"] in ("starting", "running")

        live = wait_for(
            lambda: (g := server.call("GET", "/api/generators/web"))["sent"] >= 450 and g["rate_now"] > 0 and g,
            "live counts",
            30,
        )
        assert live["state"] == "running" and live["workers"] >= 1
        (row,) = live["outputs"]
        assert (row["sample"], row["output"]) == ("web.log", "httpevent")
        assert 255 <= received_rate(secret_hec, 2.0) <= 345  # 300 events/s within a loaded CI box's margin

        answer = server.call("PUT", "/api/generators/web/rate", json={"rate": 150})
        assert answer["target_rate"] == 150 and answer["applied"] == "live"
        wait_for(lambda: server.call("GET", "/api/generators/web")["rate_now"] < 170, "the new rate", 15)
        assert 127 <= received_rate(secret_hec, 2.0) <= 173

        stopped = server.call("POST", "/api/generators/web/stop")
        assert stopped["state"] == "finished"
        summary = server.call("GET", "/api/generators/web/summary")["summary"]
        total = summary["total"]
        assert total["generated"] == total["sent"] + total["failed"] and total["failed"] == 0
        assert total["sent"] == len(secret_hec.events)  # one run from start to stop: every event

        values = metric_values(server.call("GET", "/metrics"))
        labels = (("generator", "web"), ("output", "httpevent"), ("sample", "web.log"))
        (srow,) = summary["rows"]
        assert values[("eventgen_sent_events_total", labels)] == srow["sent"] == total["sent"]
        assert values[("eventgen_failed_events_total", labels)] == srow["failed"]
        assert values[("eventgen_sent_bytes_total", labels)] == srow["bytes"]
        assert values[("eventgen_resent_events_total", labels)] == srow["resent"]
        gen_labels = (("generator", "web"), ("sample", "web.log"))
        assert values[("eventgen_generated_events_total", gen_labels)] == total["generated"]
        assert values[("eventgen_target_rate", (("generator", "web"),))] == 150

        texts = [
            json.dumps(server.call("GET", path)) for path in ("/api/generators", "/conf", "/status", "/api/health")
        ]
        texts.append(server.call("GET", "/metrics"))
        assert not [t for t in texts if HEC_TOKEN in t]
        assert "********" in texts[0]
    finally:
        assert server.stop() == 0, server.logs()

    startup = (server_workspace / "eventgen-server.yml").read_text(encoding="utf-8")
    assert "id: web" in startup and "rate: 150.0" in startup
    again = ServerProcess(server_workspace).start()
    try:
        (kept,) = again.call("GET", "/api/generators")
        assert (kept["id"], kept["state"], kept["target_rate"]) == ("web", "stopped", 150.0)
        again.call("DELETE", "/api/generators/web", 204)
        assert again.call("GET", "/api/generators") == []
    finally:
        again.stop()
    assert "web" not in (server_workspace / "eventgen-server.yml").read_text(encoding="utf-8")


def test_token_workspace_and_errors(server_workspace: Path, tmp_path: Path):
    outside = tmp_path / "outside.conf"
    outside.write_text("[x]\noutputMode = devnull\n", encoding="utf-8")
    (server_workspace / "leaky.conf").write_text(f"[web.log]\noutputMode = file\nfileName = {tmp_path}/out.log\n")
    server = ServerProcess(server_workspace).start()
    try:
        for method, path in (("GET", "/api/generators"), ("GET", "/metrics"), ("GET", "/status"), ("POST", "/mcp")):
            answer = requests.request(method, f"{server.url}{path}", timeout=10)
            assert answer.status_code == 401, (path, answer.text)
        wrong = requests.get(f"{server.url}/api/generators", headers={"Authorization": "Bearer nope"}, timeout=10)
        assert wrong.status_code == 401
        for path in ("../outside.conf", str(outside), "/etc/passwd"):
            answer = server.call("POST", "/api/generators", 403, json={"id": "x", "path": path})
            assert "outside the workspace" in answer["detail"]
        leak = server.call("POST", "/api/generators", 403, json={"id": "x", "path": "leaky.conf"})
        assert leak["detail"].startswith("[web.log] fileName = ") and "outside the workspace" in leak["detail"]
        assert server.call("GET", "/api/generators/nope", 404) == {"detail": "no generator 'nope'"}
        quiet = {"outputMode": "devnull"}
        bad = server.call(
            "POST", "/api/validate", json={"id": "v", "path": "eventgen.conf", "overrides": {"count": "x"}}
        )
        assert bad["ok"] is False and any("count" in e for e in bad["errors"])
        good = server.call("POST", "/api/validate", json={"id": "v", "path": "eventgen.conf", "overrides": quiet})
        assert good["ok"] is True and [s["sample"] for s in good["samples"]] == ["web.log"], good
        server.call("POST", "/api/generators", 201, json={"id": "p", "path": "eventgen.conf", "overrides": quiet})
        preview = server.call("GET", "/api/generators/p/preview", params={"n": 4})
        events = ["GET /a 200", "GET /b 404", "POST /c 201", "GET /a 200"]
        assert preview["samples"] == [{"sample": "web.log", "events": events}]
        server.call("POST", "/api/generators", 409, json={"id": "p", "path": "eventgen.conf"})
        server.call("GET", "/api/generators/p/preview", 422, params={"n": 0})
    finally:
        server.stop()
    assert "listening on http://127.0.0.1:" in server.logs()


def test_https_with_certfile_and_keyfile(server_workspace: Path, tmp_path: Path):
    server = ServerProcess(server_workspace, tls=self_signed_cert(tmp_path)).start()
    try:
        assert server.call("GET", "/api/health")["generators"] == 0
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{server.port}/healthcheck", timeout=5)
    finally:
        server.stop()


def test_splunk_eventgen_routes(server_workspace: Path):
    server = ServerProcess(server_workspace).start()
    quiet = {"outputMode": "devnull"}
    try:
        made = server.call("PUT", "/conf", json=[{"id": "a", "path": "eventgen.conf", "overrides": quiet}])
        assert [g["id"] for g in made] == ["a"]
        server.call("PUT", "/conf", json=[{"id": "a", "path": "eventgen.conf", "overrides": quiet, "seed": 5}])
        assert [(s["id"], s["seed"]) for s in server.call("GET", "/conf")] == [("a", 5)]
        assert server.call("GET", "/status")["EVENTGEN_STATUS"] == 0
        assert server.call("GET", "/volume") == {"perDayVolume": None, "rates": []}
        # 1 GB/day over the previewed events' size: 20 of the cycle "GET /a 200", "GET /b 404", "POST /c 201",
        # each with its newline: 7 x 11 + 7 x 11 + 6 x 12 = 226 bytes, 11.3 bytes per event
        answer = server.call("POST", "/volume", json={"perDayVolume": 1.0})
        ((rate,),) = [[r["target_rate"] for r in answer["rates"]]]
        assert rate == pytest.approx(2**30 / 86400 / 11.3) and answer["rates"][0]["applied"] == "saved"
        assert server.call("GET", "/volume")["perDayVolume"] == pytest.approx(1.0)
        started = server.call("POST", "/start")["generators"]
        assert [g["state"] for g in started] in (["starting"], ["running"])
        assert server.call("GET", "/status")["EVENTGEN_STATUS"] == 1
        wait_for(lambda: server.call("GET", "/api/generators/a")["sent"] > 0, "events", 30)
        (stopped,) = server.call("POST", "/stop", json={"ids": ["a"]})["generators"]
        assert stopped["state"] == "finished" and stopped["generated"] == stopped["sent"] > 0
        server.call("POST", "/stop", 404, json={"ids": ["nope"]})
    finally:
        assert server.stop() == 0, server.logs()


def test_a_load_shape_from_the_spec_and_a_new_one_live(server_workspace: Path):
    server = ServerProcess(server_workspace).start()
    body = {"id": "s", "path": "eventgen.conf", "overrides": {"outputMode": "devnull"}, "shape": "60@2s,240@60s"}
    try:
        bad = server.call("POST", "/api/generators", 422, json={**body, "shape": "fast"})
        assert "shape" in json.dumps(bad)
        server.call("POST", "/api/generators", 201, json=body)
        server.call("POST", "/api/generators/s/start")
        wait_for(lambda: (g := server.call("GET", "/api/generators/s"))["target_rate"] == 240 and g, "step 2", 30)
        wait_for(lambda: server.call("GET", "/api/generators/s")["rate_now"] > 200, "the shape's second step", 30)
        answer = server.call("PUT", "/api/generators/s/shape", json={"shape": "50@60s"})
        assert (answer["applied"], answer["target_rate"]) == ("live", 50)
        wait_for(lambda: server.call("GET", "/api/generators/s")["rate_now"] < 70, "the new shape", 30)
        assert server.call("PUT", "/api/generators/s/shape", 400, json={"shape": "50@"})["detail"].startswith("shape: ")
        stopped = server.call("POST", "/api/generators/s/stop")
        assert stopped["generated"] == stopped["sent"] > 0 and stopped["spec"]["shape"] == "50@60s"
    finally:
        assert server.stop() == 0, server.logs()
    assert "shape: 50@60s" in (server_workspace / "eventgen-server.yml").read_text(encoding="utf-8")
