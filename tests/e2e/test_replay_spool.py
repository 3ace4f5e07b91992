"""`eventgen replay-spool`: records the conf cannot send, --only-output, unknown versions, --dedupe."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import cli, free_port, write_conf


def record(rid: str, events: list[str], sample: str = "s.log", output: str = "file", version: int = 2) -> dict:
    return {
        "version": version,
        "id": rid,
        "sample": sample,
        "output": output,
        "seq": 0,
        "error": "test",
        "spooled_at": 1.0,
        "events": events,
        "times": [1795447860.0 + i for i in range(len(events))],
        "meta": {"host": "h", "source": "s.log", "sourcetype": "st", "index": "main"},
        "columns": {},
    }


def setup(tmp_path: Path, records: list[dict]) -> tuple[Path, Path, Path]:
    (tmp_path / "s.log").write_text("x\n")
    out = tmp_path / "out.log"
    conf = write_conf(
        tmp_path,
        f"""
        [s.log]
        outputMode = file
        fileName = {out}
        """,
    )
    spool = tmp_path / "failed.jsonl"
    spool.write_text("".join(json.dumps(r) + "\n" for r in records))
    return spool, conf, out


def replay(spool: Path, conf: Path, *args: str):
    stats = spool.parent / "replay.json"
    stats.unlink(missing_ok=True)
    proc = cli("replay-spool", str(spool), str(conf), "--stats-json", str(stats), *args)
    return proc, (json.loads(stats.read_text()) if stats.exists() else {})


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_records_the_conf_cannot_send_go_to_failed_to(tmp_path):
    spool, conf, out = setup(
        tmp_path,
        [
            record("a", ["a1", "a2"]),
            record("b", ["b1", "b2", "b3"], sample="gone.log"),
            record("c", ["c1"], output="httpevent"),
        ],
    )
    proc, summary = replay(spool, conf)
    assert proc.returncode == 1
    assert lines(out) == ["a1", "a2"]
    again = [json.loads(line) for line in lines(tmp_path / "failed.jsonl.failed")]
    assert [(r["sample"], r["output"], r["events"]) for r in again] == [
        ("gone.log", "file", ["b1", "b2", "b3"]),
        ("s.log", "httpevent", ["c1"]),
    ]
    assert [r["times"] for r in again] == [[1795447860.0, 1795447861.0, 1795447862.0], [1795447860.0]]
    assert summary["total"]["generated"] == 6
    assert (summary["total"]["sent"], summary["total"]["failed"]) == (2, 4)
    assert "sample 'gone.log' is not in" in proc.stderr
    assert "sample 's.log' has no output 'httpevent' in" in proc.stderr
    # the records written to --failed-to replay like any spool (and fail the same way here)
    proc, summary = replay(tmp_path / "failed.jsonl.failed", conf)
    assert (summary["total"]["sent"], summary["total"]["failed"]) == (0, 4)
    assert len(lines(tmp_path / "failed.jsonl.failed.failed")) == 2


def test_only_output_naming_nothing_known_is_refused(tmp_path):
    spool, conf, out = setup(tmp_path, [record("a", ["a1"])])
    proc, _ = replay(spool, conf, "--only-output", "kafak")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"eventgen: error: --only-output kafak: no record of {spool} and no output of {conf} is named so (known: file)"
    ]
    assert not out.exists()
    # an output the conf uses but no record names is fine: nothing to resend
    proc, _summary = replay(spool, conf, "--only-output", "file")
    assert proc.returncode == 0, proc.stderr
    assert lines(out) == ["a1"]


def test_unknown_record_version_is_refused_before_sending(tmp_path):
    spool, conf, out = setup(tmp_path, [record("a", ["a1"]), record("b", ["b1"], version=7)])
    proc, _ = replay(spool, conf)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"eventgen: error: {spool}:2: spool record version 7 is not one this eventgen reads (1, 2)"
    ]
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_version_1_records_without_id_are_still_replayed(tmp_path):
    old = record("x", ["o1", "o2"], version=1)
    del old["id"]
    spool, conf, out = setup(tmp_path, [old])
    proc, _summary = replay(spool, conf, "--dedupe")
    assert proc.returncode == 0, proc.stderr
    assert lines(out) == ["o1", "o2"]
    assert not (tmp_path / "failed.jsonl.done").exists()  # nothing to remember it by


def test_dedupe_skips_repeated_records_and_records_already_replayed(tmp_path):
    spool, conf, out = setup(
        tmp_path,
        [record("a", ["a1", "a2"]), record("b", ["b1"]), record("a", ["a1", "a2"]), record("c", ["c1", "c2", "c3"])],
    )
    done = tmp_path / "failed.jsonl.done"
    done.write_text("c\n")  # as left by an earlier replay that handled record c
    proc, summary = replay(spool, conf, "--dedupe")
    assert proc.returncode == 0, proc.stderr
    assert lines(out) == ["a1", "a2", "b1"]
    assert (summary["total"]["generated"], summary["total"]["sent"]) == (3, 3)
    assert "--dedupe: skipped 2 record(s) (5 event(s)) already replayed" in summary["notes"]
    assert lines(done) == ["c", "a", "b"]
    # run again: everything is done
    proc, summary = replay(spool, conf, "--dedupe")
    assert proc.returncode == 0, proc.stderr
    assert lines(out) == ["a1", "a2", "b1"]
    assert "--dedupe: skipped 4 record(s) (8 event(s)) already replayed" in summary["notes"]
    # without --dedupe every record is sent, each time
    proc, summary = replay(spool, conf, "--done-ids", str(tmp_path / "other.done"))
    assert proc.returncode == 0, proc.stderr
    assert lines(out) == ["a1", "a2", "b1", "a1", "a2", "b1", "a1", "a2", "c1", "c2", "c3"]
    assert lines(tmp_path / "other.done") == ["a", "b", "a", "c"]


def test_records_written_by_a_run_have_unique_ids(tmp_path):
    spool = tmp_path / "failed.jsonl"
    (tmp_path / "s.log").write_text("x\n")
    conf = write_conf(  # a port nothing listens on: every batch fails (a folder as fileName is refused at load)
        tmp_path,
        f"""
        [s.log]
        count = 5
        end = 3
        timeMode = sample
        outputMode = tcpout
        tcpDestinationPort = {free_port()}
        tcpoutRetries = 0
        spoolFailedTo = {spool}
        """,
    )
    proc = cli(str(conf), "--status-interval", "0")
    records = [json.loads(line) for line in lines(spool)]
    assert proc.returncode == 1, proc.stderr
    assert [r["version"] for r in records] == [2, 2, 2]
    assert len({r["id"] for r in records}) == 3
    assert all(len(r["id"]) == 32 for r in records)
