"""Token regexes tried against their sample at load time, with a time bound per event.

`validate` warns about a token that matches no event, and refuses a regex that backtracks without end
(`^(a+)+$`) before a run can hang on it.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time

from eventgen.render.tokens import TokenSpec, replaceable


class RegexTimeout(Exception):
    """A token regex ran longer than the time bound on one event (catastrophic backtracking)."""

    def __init__(self, token: int, event: int):
        super().__init__(f"token {token} timed out on event {event}")
        self.token = token
        self.event = event


def tokens_found(texts: list[str], tokens: list[TokenSpec], limit: float = 1.0) -> list[bool]:
    """For each token, whether it has a span to replace in any of `texts` (what `token_spans` would replace,
    before overlaps). Every token runs on every event, as when a render plan is compiled; RegexTimeout when
    one regex runs longer than `limit` seconds on one event.

    The bound: Python's `re` holds the GIL while it matches, so a watchdog thread (join with a timeout) never
    gets to run, and nested-quantifier checks refuse harmless regexes like `(\\d+\\.)+`. But the matcher does
    check for signals, so the scan runs under an interval timer (ITIMER_VIRTUAL, SIGVTALRM) and counts CPU
    seconds of this thread, so a busy machine does not make a regex slow. Signal handlers need the main thread;
    elsewhere (the studio's request threads) the scan runs in a forked child process, whose only thread is its
    main thread. Without interval timers or fork (Windows) the scan is not bounded.
    """
    if not tokens or not texts:
        return [False] * len(tokens)
    if not hasattr(signal, "setitimer"):
        return _scan(texts, tokens, None)
    if threading.current_thread() is threading.main_thread():
        return _scan_with_alarm(texts, tokens, limit)
    if hasattr(os, "fork"):
        return _scan_in_child(texts, tokens, limit)
    return _scan(texts, tokens, None)


class _Watch:
    """Per-event stopwatch driven by SIGVTALRM: raise in the matcher once one event took `limit` CPU seconds."""

    def __init__(self, limit: float):
        self.limit = limit
        self.started = time.thread_time()
        self.position = (0, 0)
        self.active = True

    def start(self, token: int, event: int) -> None:
        self.position = (token, event)
        self.started = time.thread_time()

    def on_alarm(self, signum: int, frame: object) -> None:
        if not self.active:
            return
        left = self.limit - (time.thread_time() - self.started)
        if left <= 0:
            self.active = False
            raise RegexTimeout(*self.position)
        # the alarm fell on a later event, or other threads' CPU time brought it forward: wait out the rest
        signal.setitimer(signal.ITIMER_VIRTUAL, left)


def _scan(texts: list[str], tokens: list[TokenSpec], watch: _Watch | None) -> list[bool]:
    found = []
    for k, spec in enumerate(tokens):
        grouped = spec.pattern.groups > 0
        hit = False
        for i, text in enumerate(texts):
            if watch is not None:
                watch.start(k, i)
            for match in spec.pattern.finditer(text):
                hit = hit or replaceable(*(match.span(1) if grouped else match.span()), grouped)
        found.append(hit)
    return found


def _scan_with_alarm(texts: list[str], tokens: list[TokenSpec], limit: float) -> list[bool]:
    watch = _Watch(limit)
    previous = signal.signal(signal.SIGVTALRM, watch.on_alarm)
    pending, _ = signal.setitimer(signal.ITIMER_VIRTUAL, limit)
    began = time.process_time()
    try:
        return _scan(texts, tokens, watch)
    finally:
        watch.active = False
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
        if pending:  # someone else's timer: re-arm it, less the time spent here
            signal.setitimer(signal.ITIMER_VIRTUAL, max(pending - (time.process_time() - began), 1e-3))


def _scan_in_child(texts: list[str], tokens: list[TokenSpec], limit: float) -> list[bool]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: only regexes, a pipe and _exit (no locks other threads may hold)
        status = 1
        try:
            os.close(read_end)
            try:
                answer: dict[str, object] = {"found": _scan_with_alarm(texts, tokens, limit)}
            except RegexTimeout as exc:
                answer = {"timeout": [exc.token, exc.event]}
            data = json.dumps(answer).encode()
            while data:
                data = data[os.write(write_end, data) :]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    try:
        answer = json.loads(data)
    except ValueError:  # the child died without an answer: no verdict (scanning here could hang)
        return [True] * len(tokens)
    if "timeout" in answer:
        raise RegexTimeout(*answer["timeout"])
    return [bool(hit) for hit in answer["found"]]
