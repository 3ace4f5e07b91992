"""Real destinations for the compliance kit of the outputs issue 24 added (splunkstream: the loopback splunkd;
metric_httpevent: the HEC receiver; awss3: moto's S3 server), and the metric events metric_httpevent sends."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from eventgen.core.batch import EventBatch
from eventgen.plugin.compliance import compliance_batch
from tests.hec_receiver import HecReceiver
from tests.s3_server import MotoS3
from tests.splunkd_standin import Splunkd

Destination = tuple[dict[str, str], Callable[[], Sequence[str]] | None]


def metric_batch() -> EventBatch:
    """The compliance batch with each event a HEC metric's fields (distinct, as the kit needs)."""
    base = compliance_batch()
    events = [json.dumps({"metric_name:compliance.n": i, "event": text}) for i, text in enumerate(base.events)]
    return EventBatch(base.sample, base.seq, events, base.times, base.meta)


def issue24_destination(name: str, folder: Path, stack: contextlib.ExitStack) -> Destination:
    if name == "splunkstream":
        splunkd = Splunkd().start()
        stack.callback(splunkd.stop)
        settings = {
            "splunkHost": "127.0.0.1",
            "splunkPort": str(splunkd.port),
            "splunkMethod": "http",
            "splunkUser": splunkd.user,
            "splunkPass": splunkd.password,
        }
        return settings, lambda: splunkd.events
    if name == "metric_httpevent":
        hec = HecReceiver().start()
        stack.callback(hec.stop)
        return {"httpeventServers": hec.servers_json()}, lambda: [json.dumps(e["fields"]) for e in hec.events]
    if name == "awss3":
        s3 = MotoS3(folder).start()
        stack.callback(s3.stop)
        bucket = s3.bucket("compliance")

        def objects() -> list[str]:
            return [line for key in s3.keys(bucket) for line in s3.body(bucket, key).decode().splitlines()]

        return s3.settings(bucket), objects
    raise AssertionError(f"output {name}: no destination here")
