"""Regexes run on a sample at load time under a time bound per event (or line): the `breaker` that splits a
sample into events here, and the token regexes `resolve` tries on the events.

A regex that backtracks without end (`^(a+)+$`) is refused at load, before a run can hang on it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

LIMIT = 1.0  # CPU seconds a regex may take on one event (or one line) of its sample at load time


class RegexTimeout(Exception):
    """A regex ran longer than the time bound on one event (catastrophic backtracking): `token` is the index of
    the regex that did (0 for a breaker), `event` the event or line."""

    def __init__(self, token: int, event: int):
        super().__init__(f"token {token} timed out on event {event}")
        self.token = token
        self.event = event


def split_bounded(lines: list[str], breaker: re.Pattern[str], limit: float = LIMIT) -> list[list[str]]:
    """`lines` grouped into events: a line that `breaker` matches at its start begins one. RegexTimeout (token 0,
    the line's index) when the breaker runs longer than `limit` seconds on one line."""

    def split(watch: Watch | None) -> list[list[str]]:
        events: list[list[str]] = []
        for i, line in enumerate(lines):
            if watch is not None:
                watch.start(0, i)
            if breaker.match(line) or not events:
                if not line.strip() and not events:
                    continue
                events.append([line])
            else:
                events[-1].append(line)
        return events

    events = bounded(split, limit)
    return split(None) if events is None else events


def bounded(work: Callable[[Watch | None], Any], limit: float) -> Any:
    """`work(watch)` under a time bound: it calls `watch.start(k, i)` before each regex run, and RegexTimeout(k, i)
    is raised when one run takes longer than `limit` CPU seconds. In a forked child, the answer must be JSON;
    None when that child died without one (no verdict: running the work here could hang).

    The bound: Python's `re` holds the GIL while it matches, so a watchdog thread (join with a timeout) never
    gets to run, and nested-quantifier checks refuse harmless regexes like `(\\d+\\.)+`. But the matcher does
    check for signals, so the scan runs under an interval timer (ITIMER_VIRTUAL, SIGVTALRM) and counts CPU
    seconds of this thread, so a busy machine does not make a regex slow. Signal handlers need the main thread;
    elsewhere (the studio's request threads) the scan runs in a forked child process, whose only thread is its
    main thread. Without interval timers or fork (Windows) the scan is not bounded.
    """
    if not hasattr(signal, "setitimer"):
        return work(None)
    if threading.current_thread() is threading.main_thread():
        return _with_alarm(work, limit)
    if hasattr(os, "fork"):
        return _in_child(work, limit)
    return work(None)


class Watch:
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


def _with_alarm(work: Callable[[Watch | None], Any], limit: float) -> Any:
    watch = Watch(limit)
    previous = signal.signal(signal.SIGVTALRM, watch.on_alarm)
    pending, _ = signal.setitimer(signal.ITIMER_VIRTUAL, limit)
    began = time.process_time()
    try:
        return work(watch)
    finally:
        watch.active = False
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
        if pending:  # someone else's timer: re-arm it, less the time spent here
            signal.setitimer(signal.ITIMER_VIRTUAL, max(pending - (time.process_time() - began), 1e-3))


def _in_child(work: Callable[[Watch | None], Any], limit: float) -> Any:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: only regexes, a pipe and _exit (no locks other threads may hold)
        status = 1
        try:
            os.close(read_end)
            try:
                answer: dict[str, object] = {"answer": _with_alarm(work, limit)}
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
        verdict: dict[str, Any] = json.loads(data)
    except ValueError:  # the child died without an answer: no verdict
        return None
    if "timeout" in verdict:
        token, event = verdict["timeout"]
        raise RegexTimeout(token, event)
    return verdict["answer"]
