"""`eventgen server` as the controller: a generator that names `bind` hands every job to the workers that join it
(two real worker processes on loopback, CurveZMQ with this user's local keys), and its counts come back to the
API, equal to what the HEC receiver got."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.hec_receiver import HecReceiver
from tests.integration.cluster import spawn
from tests.server_process import ServerProcess, spec
from tests.waiting import stop_process, wait_for

pytestmark = pytest.mark.integration


def test_the_server_is_the_controller_of_two_workers(server_workspace: Path, secret_hec: HecReceiver, tmp_path: Path):
    address = f"tcp://127.0.0.1:{free_port()}"
    server = ServerProcess(server_workspace).start()
    workers = []
    try:
        body = {**spec(secret_hec, 300), "bind": address, "workers": 2}
        assert server.call("POST", "/api/generators", 201, json=body)["spec"]["bind"] == address
        assert server.call("POST", "/api/generators/web/start")["state"] == "starting"  # waits for two workers
        for name in ("w1", "w2"):
            workers.append(spawn("worker", "--connect", address, "--name", name, log=tmp_path / f"{name}.log"))
        live = wait_for(
            lambda: (g := server.call("GET", "/api/generators/web"))["sent"] >= 600 and g["workers"] == 2 and g,
            "both workers to send",
            60,
        )
        rows = {w["name"]: w for w in live["worker_rows"]}
        assert set(rows) == {"w1", "w2"} and all(rows[n]["sent"] > 0 for n in rows)
        answer = server.call("PUT", "/api/generators/web/rate", json={"rate": 150})
        assert answer["applied"] == "live"  # the same run, on both workers: no restart, no count lost
        wait_for(
            lambda: (
                (g := server.call("GET", "/api/generators/web"))["target_rate"] == 150
                and g["workers"] == 2
                and g["rate_now"] < 170
                and g["sent"] > 0
            ),
            "both workers at the new rate",
            60,
        )
        stopped = server.call("POST", "/api/generators/web/stop")
        assert stopped["state"] == "finished"
        total = server.call("GET", "/api/generators/web/summary")["summary"]["total"]
        assert total["generated"] == total["sent"] + total["failed"] and total["failed"] == 0
        assert total["sent"] == len(secret_hec.events) == sum(w["sent"] for w in stopped["worker_rows"])
    finally:
        for proc in workers:
            stop_process(proc)
        assert server.stop() == 0, server.logs()
