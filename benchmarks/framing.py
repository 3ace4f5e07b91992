"""Framing cost of Eventum's `separator` and `encoding` (outputSeparator, outputEncoding) against the default lines.

    python benchmarks/framing.py [--events N] [--rounds R]

Formats batches of N web-log events with the file output's formatter: the default (the batch's own UTF-8 text,
shared), a `|` separator, latin-1 and UTF-16; prints the best time per batch of each.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from eventgen.core.batch import EventBatch
from eventgen.plugin.base import registry

CASES: tuple[dict[str, str], ...] = (
    {},
    {"outputSeparator": "|"},
    {"outputEncoding": "latin-1"},
    {"outputEncoding": "utf-16"},
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    registry.load()
    plugin = registry.get("output", "file")
    events = [f'127.0.0.1 - - [01/Jan/2024:00:00:00] "GET /cart?id={i} HTTP/1.1" 200 512' for i in range(args.events)]
    for case in CASES:
        output = plugin({"fileName": "unused", **case})  # type: ignore[call-arg]
        best = float("inf")
        for _ in range(args.rounds):
            batches = [EventBatch("s", 0, events, np.zeros(len(events)), {}, {}) for _ in range(20)]
            started = time.perf_counter()
            for batch in batches:
                output.format(batch)
            best = min(best, (time.perf_counter() - started) / len(batches))
        name = ", ".join(f"{k} = {v}" for k, v in case.items()) or "default (LineFrames)"
        print(f"{name}: {best * 1000:.2f} ms per {args.events:,}-event batch")


if __name__ == "__main__":
    main()
