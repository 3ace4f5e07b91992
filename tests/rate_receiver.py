"""A TCP line receiver for rate tests, in a thread of the test: it notes when each chunk of lines arrived, so a
test counts the lines of any time window, and it can be throttled to read at most N lines a second (over all its
connections together).

Throttled, it reads small chunks from a socket with a small receive buffer, from a bucket that fills at its rate
and holds at most BURST seconds of it (so it never makes up for time the sender left it idle). The sender's
writes block once the buffers between them are full, as they do against a slow real consumer; those buffers
(the sender's socket buffer grows to megabytes) hide an excess rate until they fill, so knee tests send large
events to fill them within a hold.
"""

from __future__ import annotations

import bisect
import socket
import threading
import time

THROTTLED_BUFFER = 4096  # bytes: the receive buffer of a throttled receiver (the kernel doubles it)
CHUNK = 4096  # bytes read at once when throttled
BURST = 0.05  # seconds of its rate a throttled receiver may read at once after reading less


class RateReceiver:
    """`port` on 127.0.0.1; `lines_between(a, b)` counts lines that arrived in [a, b) (epoch seconds)."""

    def __init__(self, throttle: float | None = None):
        self.throttle = throttle
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if throttle is not None:
            self.server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, THROTTLED_BUFFER)  # inherited by accepts
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.times: list[float] = []  # arrival time of each chunk, in order
        self.totals: list[int] = []  # lines received up to and including that chunk
        self.lines = 0
        self._lock = threading.Lock()
        self._bucket_lock = threading.Lock()
        self._budget, self._then = 0.0, time.monotonic()  # lines that may be read now: at most BURST seconds' worth
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._read, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _read(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        with conn:
            while not self._stop.is_set():
                if self.throttle is not None:
                    with self._bucket_lock:  # one bucket for every connection: N lines a second in all
                        now = time.monotonic()
                        self._budget = min(self._budget + (now - self._then) * self.throttle, BURST * self.throttle)
                        self._then = now
                        owed = -self._budget / self.throttle
                    if owed > 0 and self._stop.wait(owed):
                        return
                try:
                    data = conn.recv(CHUNK if self.throttle is not None else 1 << 20)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                lines = data.count(b"\n")
                with self._bucket_lock:
                    self._budget -= lines
                with self._lock:
                    self.lines += lines
                    self.times.append(time.time())
                    self.totals.append(self.lines)

    def lines_between(self, start: float, end: float) -> int:
        """Lines that arrived in [start, end) (epoch seconds)."""
        with self._lock:
            return self._upto(end) - self._upto(start)

    def _upto(self, moment: float) -> int:
        i = bisect.bisect_left(self.times, moment)
        return self.totals[i - 1] if i else 0

    def close(self) -> None:
        self._stop.set()
        self.server.close()
        for thread in self._threads:
            thread.join(2)
