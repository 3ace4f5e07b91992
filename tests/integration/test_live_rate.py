"""Live rate control measured at a real TCP receiver on loopback: a running run's rate is changed through
`engine.rate` (the API `eventgen server` calls) in thread mode, in process mode and on a controller with two
workers. Before and after each change the rate that arrives is within ±5% of its target, the new one from one
second after the change on, and nothing is lost: generated = sent, every line arrived."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from eventgen.resolve.loader import load
from eventgen.run.engine import Engine, RunOptions
from eventgen.run.summary import RunSummary
from eventgen.run.wire import wire
from tests.conftest import free_port, write_conf
from tests.integration.cluster import spawn
from tests.rate_receiver import RateReceiver
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


def rate_conf(folder: Path, port: int, rate: float, threading_mode: str = "thread") -> Path:
    (folder / "ids.log").write_text("rate id=@@ID\n", encoding="utf-8")
    return write_conf(
        folder,
        f"""
        [global]
        threading = {threading_mode}
        generatorWorkers = 2

        [ids.log]
        sampleDir = .
        input = rate
        rate = {rate}
        outputMode = tcpout
        tcpDestinationHost = 127.0.0.1
        tcpDestinationPort = {port}
        token.0.token = @@ID
        token.0.replacementType = integerid
        token.0.replacement = 0
        """,
    )


class Running:
    """An engine executing in a thread of the test; `summary` once it has ended."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.summary: RunSummary | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.summary = self.engine.execute()

    def finish(self) -> RunSummary:
        self.engine.stop()
        self.thread.join(60)
        assert self.summary is not None, "the run did not end within 60 s of its stop"
        return self.summary


def steer_and_measure(receiver: RateReceiver, running: Running, before: float, after: float) -> None:
    """Let `before` events/s flow for 2.5 s, set `after`, let it flow for 3 s more; check both at the receiver."""
    start = wait_for(lambda: receiver.times[0] if receiver.times else None, "the first lines at the receiver", 60)
    wait_for(lambda: receiver.lines_between(start, time.time() + 1) >= 2.5 * before, "2.5 s of lines", 30)
    changed = time.time()
    reading = running.engine.rate.set_rate(after)
    assert reading.target == after
    wait_for(lambda: receiver.lines_between(changed, time.time() + 1) >= 3.2 * after, "3.2 s at the new rate", 30)
    old = receiver.lines_between(changed - 2, changed) / 2
    new = receiver.lines_between(changed + 1, changed + 3) / 2
    assert abs(old - before) <= 0.05 * before, (old, before)
    assert abs(new - after) <= 0.05 * after, (new, after)  # in full effect one second after the change
    # the second right after it: the old rate for d seconds, then the new one; d measured ~0 (one job's span)
    delay = (after - receiver.lines_between(changed, changed + 1)) / (after - before)
    assert delay <= 0.5, delay
    now = running.engine.rate.current()
    assert now.target == after and abs(now.achieved - after) <= 0.1 * after, now


def check_truth(summary: RunSummary, receiver: RateReceiver) -> None:
    total = summary.total
    assert total.failed == 0 and total.generated == total.sent > 0, total
    wait_for(lambda: receiver.lines >= total.sent, f"{total.sent} lines at the receiver", 20)
    assert receiver.lines == total.sent


@pytest.mark.parametrize(("mode", "before", "after"), [("thread", 1000, 3000), ("process", 3000, 1000)])
def test_a_live_rate_change_takes_effect_within_a_second_and_loses_nothing(
    tmp_path: Path, mode: str, before: int, after: int
) -> None:
    receiver = RateReceiver()
    try:
        config = load(str(rate_conf(tmp_path, receiver.port, before, mode)))
        running = Running(wire(config, RunOptions(seed=7, status_interval=0)))
        steer_and_measure(receiver, running, before, after)
        check_truth(running.finish(), receiver)
    finally:
        receiver.close()


def test_a_live_rate_change_reaches_every_worker_of_a_cluster(tmp_path: Path) -> None:
    """The controller runs in the test (as `eventgen server` runs it) with two workers started as users start
    them; the rate is set on the controller and both workers follow it within a second."""
    from eventgen.cluster import bundle as bundles
    from eventgen.cluster.controller import Controller
    from eventgen.cluster.local_keys import keys_dir, local_secret
    from eventgen.rpc.sockets import CurveServer, ZmqServer

    receiver = RateReceiver()
    address = f"tcp://127.0.0.1:{free_port()}"
    workers = []
    try:
        config = load(str(rate_conf(tmp_path, receiver.port, 1000)))
        server = ZmqServer(address, CurveServer(local_secret(), keys_dir()))
        controller = Controller(server, bundles.build(config, {}, None))
        engine = wire(config, RunOptions(seed=7, status_interval=0, expect_workers=2), controller.transport)
        running = Running(engine)
        for name in ("one", "two"):
            workers.append(spawn("worker", "--connect", address, "--name", name, log=tmp_path / f"{name}.log"))
        steer_and_measure(receiver, running, 1000, 2500)
        summary = controller.summarize(running.finish())
        check_truth(summary, receiver)
        done = {w.name: w.jobs for w in summary.workers}
        assert set(done) == {"one", "two"} and all(n > 10 for n in done.values()), done
        assert [w.wait(30) for w in workers] == [0, 0]
    finally:
        receiver.close()
        for proc in workers:
            if proc.poll() is None:
                proc.kill()


def test_a_controller_plays_a_shape_on_every_worker(tmp_path: Path) -> None:
    """`eventgen controller --shape` with two workers started as users start them: 500/s for 2 s then 1,500/s
    for 2 s at the receiver, the run ends with the shape, both workers did jobs, and every line arrived."""
    import json

    from tests.integration.cluster import controller, finish

    receiver = RateReceiver()
    address = f"tcp://127.0.0.1:{free_port()}"
    workers = []
    try:
        conf = rate_conf(tmp_path, receiver.port, 100)
        main = controller(conf, address, tmp_path, "--shape", "500@2s,1500@2s", "--expect-workers", "2")
        for name in ("one", "two"):
            workers.append(spawn("worker", "--connect", address, "--name", name, log=tmp_path / f"{name}.log"))
        assert finish(main, 90) == 0, (tmp_path / "controller.log").read_text()
        data = json.loads((tmp_path / "summary.json").read_text())
        total = data["total"]
        assert total["failed"] == 0 and total["generated"] == total["sent"], total
        wait_for(lambda: receiver.lines >= total["sent"], "every line at the receiver", 20)
        start = receiver.times[0]
        assert [w.wait(30) for w in workers] == [0, 0]
    finally:
        receiver.close()
        for proc in workers:
            if proc.poll() is None:
                proc.kill()
    assert receiver.lines == total["sent"] and abs(total["sent"] - 4000) <= 0.03 * 4000, total
    assert receiver.lines_between(start + 0.25, start + 1.75) / 1.5 == pytest.approx(500, rel=0.07)
    assert receiver.lines_between(start + 2.25, start + 3.75) / 1.5 == pytest.approx(1500, rel=0.07)
    jobs = {w["name"]: w["jobs"] for w in data["workers"]}
    assert set(jobs) == {"one", "two"} and all(n > 10 for n in jobs.values()), jobs
