"""Benchmark of chained tokens (Splunk Eventgen's order of replacement) in the render plan: events/s and the time
to compile a sample, for the four paths a text can take.

- plain: drawn tokens, nothing chains (one template per line);
- static chain: a static replacement holds a later token's pattern (written into the template at compile time);
- list chain: list values hold a later token's pattern (a template per value, picked per event);
- per-event chain: a later regex matches inside a drawn timestamp (rendered event by event).

    python benchmarks/chained_tokens.py [--events 200000] [--lines 100]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import UTC
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eventgen.core.tokens import TokenSpec  # noqa: E402
from eventgen.render.tokens import RenderContext, RenderPlan, make_provider  # noqa: E402


def spec(number: int, regex: str, rtype: str, replacement: str) -> TokenSpec:
    return TokenSpec(number, re.compile(regex), rtype, replacement)


STAMP = spec(0, r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "timestamp", "%Y-%m-%d %H:%M:%S")
CASES = {
    "plain": [STAMP, spec(1, "@ip", "random", "ipv4")],
    "static chain": [spec(0, "##a##", "static", "x-##b##"), spec(1, "##b##", "integerid", "1"), STAMP],
    "list chain": [spec(0, "##a##", "random", 'list["k=##b##", "none"]'), spec(1, "##b##", "integerid", "1"), STAMP],
    "per-event chain": [STAMP, spec(1, r"\d\d:\d\d:\d\d", "random", 'list["00:00:00"]')],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--lines", type=int, default=100)
    args = parser.parse_args()
    texts = [f"2016-01-01 00:00:0{i % 10} id=##a## user=u{i} ip=@ip" for i in range(args.lines)]
    n = args.events
    for name, tokens in CASES.items():
        start = time.perf_counter()
        plan = RenderPlan(texts, tokens, [make_provider(s, UTC, Path) for s in tokens])
        compiled = time.perf_counter() - start
        picks = np.arange(n) % len(texts)
        ctx = RenderContext(n, np.random.default_rng(1), np.full(n, 1.7e9), 0, lambda: np.ones(n))
        start = time.perf_counter()
        plan.render(picks, ctx)
        rate = n / (time.perf_counter() - start)
        paths = f"per-event {len(plan.chained)}, per-value {len(plan.special)} of {len(texts)} lines"
        print(f"{name:16s} compile {compiled * 1000:7.1f} ms   render {rate:11,.0f} events/s   ({paths})")


if __name__ == "__main__":
    main()
