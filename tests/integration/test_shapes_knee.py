"""Load shapes and the knee search from the command line, measured at a real TCP receiver on loopback: a shape's
steps and ramp counted per window at the receiver, and `eventgen knee` against a receiver throttled to a known
rate finding that rate within 10%."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eventgen.core.shapes import FORMS
from tests.conftest import cli, write_conf
from tests.rate_receiver import RateReceiver
from tests.waiting import wait_for

pytestmark = pytest.mark.integration


def tcp_conf(folder: Path, port: int, line: str, extra: str = "") -> Path:
    (folder / "ids.log").write_text(line + "\n", encoding="utf-8")
    stanza = (
        "[ids.log]\nsampleDir = .\noutputMode = tcpout\n"
        f"tcpDestinationHost = 127.0.0.1\ntcpDestinationPort = {port}\n"
        "token.0.token = @@ID\ntoken.0.replacementType = integerid\ntoken.0.replacement = 0\n"
    )
    return write_conf(folder, extra + stanza)


def per_second(receiver: RateReceiver, start: float, first: float, last: float) -> float:
    return receiver.lines_between(start + first, start + last) / (last - first)


@pytest.mark.parametrize("where", ["flag", "conf"])
def test_a_shape_of_steps_and_a_ramp_is_followed_at_the_receiver(tmp_path: Path, where: str) -> None:
    """500/s for 2 s, 1,500/s for 2 s, then a ramp from 500 to 2,500/s over 2 s; the run ends with the shape."""
    shape = "500@2s,1500@2s,500..2500@2s"
    receiver = RateReceiver()
    try:
        extra = f"[global]\nshape = {shape}\n" if where == "conf" else ""
        conf = tcp_conf(tmp_path, receiver.port, "shape id=@@ID", extra)
        flags = ["--shape", shape] if where == "flag" else []
        done = cli(str(conf), *flags, "--status-interval", "0", "--stats-json", str(tmp_path / "s.json"), timeout=90)
        assert done.returncode == 0, done.stderr
        total = json.loads((tmp_path / "s.json").read_text())["total"]
        assert total["failed"] == 0 and total["sent"] == total["generated"], total
        wait_for(lambda: receiver.lines >= total["sent"], "every line at the receiver", 20)
        start = receiver.times[0]
    finally:
        receiver.close()
    assert receiver.lines == total["sent"] and abs(total["sent"] - 7000) <= 0.03 * 7000, total
    assert per_second(receiver, start, 0.25, 1.75) == pytest.approx(500, rel=0.07)
    assert per_second(receiver, start, 2.25, 3.75) == pytest.approx(1500, rel=0.07)
    # the ramp: 1,000/s on average over its first second, 2,000/s over its second
    assert per_second(receiver, start, 4.0, 5.0) == pytest.approx(1000, rel=0.1)
    assert per_second(receiver, start, 5.0, 6.0) == pytest.approx(2000, rel=0.1)


def test_the_knee_search_finds_the_rate_a_throttled_receiver_reads_within_ten_percent(tmp_path: Path) -> None:
    """The receiver reads 500 events/s of 16 KB each (8 MB/s: the megabytes of socket buffers between them fill
    within a hold); `eventgen knee` ramps from 300/s by 1.5x, bisects to 5%, prints and writes what it found."""
    capacity = 500
    receiver = RateReceiver(throttle=capacity)
    try:
        conf = tcp_conf(tmp_path, receiver.port, "knee id=@@ID " + "x" * 16000)
        result, stats = tmp_path / "knee.json", tmp_path / "s.json"
        flags = ["--start", "300", "--step", "1.5", "--hold", "3s", "--max-lag", "0.5s", "--max-fail", "0"]
        done = cli("knee", str(conf), *flags, "--json", str(result), "--stats-json", str(stats), timeout=240)
        assert done.returncode == 0, done.stdout + done.stderr
        total = json.loads(stats.read_text())["total"]
        wait_for(lambda: receiver.lines >= total["sent"], "every line sent at the receiver", 30)
    finally:
        receiver.close()
    knee = json.loads(result.read_text())
    found = knee["found"]
    assert abs(found - capacity) <= 0.1 * capacity, (found, knee["holds"])
    assert f"knee: {found:.1f} events/s held for 3s" in done.stdout
    held = [h for h in knee["holds"] if h["held"]]
    assert max(h["rate"] for h in held[len(held) - 1 :]) <= found and knee["lowest_broken"] > found
    assert total["failed"] == 0 and total["generated"] == total["sent"] == receiver.lines, total


def test_a_knee_search_as_a_controller_runs_on_its_workers(tmp_path: Path) -> None:
    """`eventgen knee --bind` with two workers started as users start them, against the same 500 events/s
    receiver (one bucket for both workers' connections): the knee is found within 10% and both workers worked."""
    from tests.conftest import free_port
    from tests.integration.cluster import eventgen, finish, spawn

    capacity = 500
    receiver = RateReceiver(throttle=capacity)
    address = f"tcp://127.0.0.1:{free_port()}"
    workers = []
    try:
        conf = tcp_conf(tmp_path, receiver.port, "knee id=@@ID " + "x" * 16000)
        result, stats = tmp_path / "knee.json", tmp_path / "s.json"
        flags = ["--start", "300", "--step", "1.5", "--hold", "3s", "--max-lag", "0.5s", "--expect-workers", "2"]
        argv = ["knee", str(conf), *flags, "--bind", address, "--json", str(result), "--stats-json", str(stats)]
        main = eventgen(argv, tmp_path / "knee.log")
        for name in ("one", "two"):
            workers.append(spawn("worker", "--connect", address, "--name", name, log=tmp_path / f"{name}.log"))
        assert finish(main, 240) == 0, (tmp_path / "knee.log").read_text()
        assert [w.wait(30) for w in workers] == [0, 0]
        data = json.loads(stats.read_text())
        wait_for(lambda: receiver.lines >= data["total"]["sent"], "every line sent at the receiver", 30)
    finally:
        receiver.close()
        for proc in workers:
            if proc.poll() is None:
                proc.kill()
    found = json.loads(result.read_text())["found"]
    assert abs(found - capacity) <= 0.1 * capacity, (tmp_path / "knee.log").read_text()
    total = data["total"]
    assert total["failed"] == 0 and total["generated"] == total["sent"] == receiver.lines, total
    jobs = {w["name"]: w["jobs"] for w in data["workers"]}
    assert set(jobs) == {"one", "two"} and all(n > 10 for n in jobs.values()), jobs


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--shape", "1000@10s,fast@1s"], "--shape: segment 2 'fast@1s': rate 'fast' is not a number of events/s"),
        (["--shape", "1000"], f"--shape: segment 1 '1000': expected {FORMS}"),
    ],
)
def test_a_bad_shape_flag_is_one_line_and_exit_2(tmp_path: Path, argv: list[str], message: str) -> None:
    conf = tcp_conf(tmp_path, 9, "x id=@@ID")
    done = cli(str(conf), *argv)
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [f"eventgen: error: {message}"], done.stderr


def test_a_bad_shape_in_the_conf_names_file_stanza_and_key(tmp_path: Path) -> None:
    conf = tcp_conf(tmp_path, 9, "x id=@@ID", "[global]\nshape = 100@1s,200@soon\n")
    done = cli("validate", str(conf))
    assert done.returncode == 2, done.stderr
    assert "[global]: shape: segment 2 '200@soon': duration 'soon' is not a time" in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--start", "100", "--step", "1"], "eventgen knee: knee step must be a factor above 1 (e.g. 1.25), got 1.0"),
        (["--start", "100", "--hold", "soon"], "--hold: duration 'soon' is not a time such as 10s, 2m, 1h or 500ms"),
        (["--start", "0"], "eventgen knee: knee start must be a finite number above 0, got 0.0"),
    ],
)
def test_bad_knee_flags_are_one_line_and_exit_2(tmp_path: Path, argv: list[str], message: str) -> None:
    conf = tcp_conf(tmp_path, 9, "x id=@@ID")
    done = cli("knee", str(conf), *argv)
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [f"eventgen: error: {message}"], done.stderr
