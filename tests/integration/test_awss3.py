"""awss3 against a real S3 server on loopback (moto in server mode, tests/s3_server.py): one object per batch, keys
named as `awsS3EventType` says, gzip, a refused bucket in one line, a dead endpoint given up within the bound, and
boto3 missing named with its extra."""

from __future__ import annotations

import json
import re
import time

import pytest

from eventgen.plugin import registry
from tests.conftest import ROOT, cli, free_port, write_conf
from tests.integration.helpers import row, run
from tests.s3_server import SECRET, MotoS3

pytestmark = pytest.mark.integration

LINES = ["alpha one", "beta two", "gamma three"]
SAMPLE = "".join(f"{line}\n" for line in LINES)


@pytest.fixture
def s3(tmp_path_factory):
    server = MotoS3(tmp_path_factory.mktemp("moto")).start()
    yield server
    server.stop()


def conf(settings: dict[str, str], extra: str = "") -> str:
    keys = "\n".join(f"        {k} = {v}" for k, v in settings.items())
    return f"""
        [s.log]
        count = 6
        interval = 1
        end = 2
        outputMode = awss3
{keys}
        {extra}
        """


def test_one_object_per_batch_with_exact_content(tmp_path, s3):
    bucket = s3.bucket("weblogs")
    extra = "awsS3EventType = s3accesslog\n        awsS3ObjectPrefix = logs/web/\n        awsS3ObjectSuffix = .log"
    proc, summary = run(tmp_path, conf(s3.settings(bucket), extra), sample=SAMPLE)
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, "awss3")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (12, 12, 0)
    keys = s3.keys(bucket)
    assert len(keys) == 2  # one object per batch
    assert all(re.fullmatch(r"logs/web/\d{4}(-\d\d){5}-[0-9A-F]{16}\.log", key) for key in keys), keys
    bodies = [s3.body(bucket, key) for key in keys]
    assert bodies == [SAMPLE.encode() * 2] * 2
    assert counts["bytes"] == sum(map(len, bodies))


def test_gzip_objects(tmp_path, s3):
    bucket = s3.bucket("zipped")
    proc, summary = run(
        tmp_path, conf(s3.settings(bucket), "awsS3CompressionType = gz\n        awsS3ObjectSuffix = .gz"), sample=SAMPLE
    )
    assert proc.returncode == 0, proc.stderr
    keys = s3.keys(bucket)
    assert len(keys) == 2 and all(re.fullmatch(r"\d{8}T\d{6}Z_[0-9a-f]{16}\.gz", key) for key in keys), keys
    assert [s3.body(bucket, key, gzipped=True) for key in keys] == [SAMPLE.encode() * 2] * 2
    stored = sum(len(s3.body(bucket, key)) for key in keys)
    assert row(summary, "awss3")["bytes"] == stored  # the compressed bytes put on the wire


def test_a_missing_bucket_is_one_line_and_not_retried(tmp_path, s3):
    proc, summary = run(tmp_path, conf(s3.settings("no-such-bucket")), "-v", sample=SAMPLE)
    assert proc.returncode == 1
    counts = row(summary, "awss3")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (12, 0, 12)
    assert "last error from awss3: S3 bucket 'no-such-bucket': NoSuchBucket (HTTP 404)" in proc.stderr
    assert "Traceback" not in proc.stderr and "retry" not in proc.stderr.lower()
    assert SECRET not in proc.stdout + proc.stderr + json.dumps(summary)


def test_a_dead_endpoint_is_given_up_within_the_bound(tmp_path):
    settings = {
        "awsS3BucketName": "b",
        "awsS3EndPointUrl": f"http://127.0.0.1:{free_port()}",
        "awsKeyId": "AKIAX",
        "awsSecretKey": "x",
    }
    started = time.monotonic()
    proc, summary = run(tmp_path, conf(settings, "outputGiveUpSeconds = 2\n        awsS3Timeout = 1"), sample=SAMPLE)
    elapsed = time.monotonic() - started
    counts = row(summary, "awss3")
    assert (counts["generated"], counts["sent"], counts["failed"]) == (12, 0, 12)
    assert "EndpointConnectionError" in proc.stderr
    assert elapsed < 2 + 15, elapsed  # the bound, plus starting the interpreter on a loaded box


def test_boto3_missing_names_the_extra(tmp_path):
    shadow = tmp_path / "shadow" / "boto3"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named boto3')\n")
    (tmp_path / "s.log").write_text(SAMPLE)
    path = write_conf(tmp_path, conf({"awsS3BucketName": "b"}))
    proc = cli("validate", str(path), env={"PYTHONPATH": f"{tmp_path / 'shadow'}:{ROOT}"})
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"eventgen: error: {path}: [s.log]: outputMode: awss3 needs boto3, which is not installed: "
        "pip install 'eventgen[s3]'"
    ]


def test_key_names_follow_the_event_type():
    plugin = registry.get("output", "awss3")
    module = __import__(plugin.__module__, fromlist=["object_key"])
    stamp = 1_704_110_405.5  # 2024-01-01T12:00:05.5Z
    made = {
        kind: module.object_key("p/", kind, ".x", stamp, "00ab") for kind in ("syslog", "elbaccesslog", "s3accesslog")
    }
    assert made == {
        "syslog": "p/20240101T120005Z_00ab.x",
        "elbaccesslog": "p/20240101T1200Z_00ab.x",
        "s3accesslog": "p/2024-01-01-12-00-05-00AB.x",
    }


def test_events_per_key_cut_each_batch_into_objects(tmp_path, s3):
    bucket = s3.bucket("perkey")
    proc, summary = run(tmp_path, conf(s3.settings(bucket), "awsS3EventPerKey = 4"), sample=SAMPLE)
    assert proc.returncode == 0, proc.stderr
    assert row(summary, "awss3")["sent"] == 12
    bodies = sorted(s3.body(bucket, key).decode() for key in s3.keys(bucket))
    assert len(bodies) == 4  # each batch of 6 events: an object of 4 and one of 2
    assert sorted(len(b.splitlines()) for b in bodies) == [2, 2, 4, 4]
    assert sorted(line for b in bodies for line in b.splitlines()) == sorted(LINES * 4)
