"""tcpout and syslogout over TCP resume a batch cut mid-send instead of resending it whole.

The receiver is a real socket with a small buffer that stops reading, so the sender's send times out
part-way through a batch. The receiver then reads everything that arrived on the first connection,
and the run goes on over a second one. What the docs promise: every event arrives whole exactly
once; only the event the cut fell in may also leave a truncated prefix on the first connection, and it
is counted as resent.
"""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest

from tests.integration.helpers import row, run
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

EVENTS = 60_000


class StallingReceiver:
    """Accepts a connection, reads nothing for `stall` seconds (the sender times out mid-batch), then
    reads that connection to its end and every later connection too."""

    def __init__(self, stall: float):
        self.stall = stall
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        first = True
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if first:
                time.sleep(self.stall)
                first = False
            chunks = []
            with conn:
                while data := conn.recv(1 << 20):
                    chunks.append(data)
            self.connections.append(b"".join(chunks))

    def close(self) -> None:
        self.sock.close()


@pytest.mark.parametrize("output", ["tcpout", "syslogout"])
def test_a_send_cut_mid_batch_resumes_at_the_first_event_not_taken(tmp_path, output):
    receiver = StallingReceiver(stall=3.0)
    settings = {
        "tcpout": f"tcpDestinationPort = {receiver.port}\ntcpoutTimeout = 1\ntcpoutRetries = 2",
        "syslogout": (
            f"syslogProtocol = tcp\nsyslogDestinationPort = {receiver.port}\nsyslogTimeout = 1\nsyslogoutRetries = 2"
        ),
    }[output]
    try:
        proc, summary = run(
            tmp_path,
            f"""
            [ids\\.log]
            count = {EVENTS}
            jobSize = {EVENTS}
            end = 1
            timeMode = sample
            outputMode = {output}
            {settings.replace(chr(10), chr(10) + " " * 12)}
            token.0.token = @@ID
            token.0.replacementType = integerid
            token.0.replacement = 0
            """,
            sample="event id=@@ID padding=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
            name="ids.log",
        )
        wait_for(lambda: len(receiver.connections) >= 2, "a second connection (the first send cut mid-batch)", 30)
    finally:
        receiver.close()
    assert proc.returncode == 0, proc.stderr
    counts = row(summary, output)
    assert (counts["generated"], counts["sent"], counts["failed"]) == (EVENTS, EVENTS, 0)
    assert len(receiver.connections) == 2, "the first send was expected to time out mid-batch"
    first, second = receiver.connections
    whole = [int(m) for m in re.findall(rb"event id=(\d+) padding=x{64}\n", first + b"\n" + second)]
    assert sorted(whole) == list(range(EVENTS)), "every event whole, exactly once"
    # the first connection holds events 0..k-1 whole, then at most a prefix of event k; the second starts at k
    k = int(re.match(rb"(?:<\d+>)?(?:[^\n]*?)event id=(\d+)", second).group(1))
    assert whole[:k] == list(range(k))
    assert counts["resent"] == (1 if not first.endswith(b"\n") else 0)
    if counts["resent"]:
        tail = first.rsplit(b"\n", 1)[-1]
        assert second.split(b"\n", 1)[0].startswith(tail), "the truncated piece is a prefix of the resent event"
