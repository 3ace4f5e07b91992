"""`generator = counter`: Splunk Eventgen's counter generator, no sample file needed.

Each time of a job is one loop; a loop counts from `start_count` to `end_count` (inclusive when a step lands on
it) by `count_by`, one event per value, rendered with `count_template` (Python `str.format` fields: event_ts,
samplename, loop_count, max_loop, start_count, current_count, end_count, count_by). Every event of a loop has
that loop's time.
"""

from __future__ import annotations

import string

import numpy as np

from eventgen.plugin import (
    EventBatch,
    GenerationJob,
    GeneratorPlugin,
    Setting,
    SettingError,
    TimeFormatter,
    event_meta,
    sorted_job_times,
)

FIELDS = (
    "event_ts", "samplename", "loop_count", "max_loop", "start_count", "current_count", "end_count", "count_by",
)  # fmt: skip


def parse_number(text: str) -> int | float:
    """An integer, else a float (the counter counts in the type it is given)."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise SettingError(f"expected a number, got {text!r}") from None


def parse_template(text: str) -> str:
    """A `str.format` template naming only the counter's fields."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise SettingError(f"not a str.format template ({exc})") from None
    unknown = sorted(names - set(FIELDS))
    if unknown:
        raise SettingError(f"unknown field {{{unknown[0]}}}; allowed: {', '.join(FIELDS)}")
    return text


class CounterGenerator(GeneratorPlugin):
    name = "counter"
    summary = "Splunk Eventgen's counter: per loop, one event per value from start_count to end_count by count_by."
    needs_sample_file = False
    uses_core = ("host", "source", "sourcetype", "index")
    settings = (
        Setting("start_count", parse_number, "0", "counter: the first value of each loop."),
        Setting("end_count", parse_number, "0", "counter: the last value (reached when a step lands on it)."),
        Setting("count_by", parse_number, "1", "counter: the step (not 0; its sign must lead to end_count)."),
        Setting(
            "count_template",
            parse_template,
            "{event_ts} counter {samplename} loop={loop_count}/{max_loop} count={current_count} "
            "start={start_count} end={end_count} by={count_by}",
            "counter: each event's text, a `str.format` template over event_ts, samplename, loop_count, "
            "max_loop, start_count, current_count, end_count and count_by.",
        ),
    )

    @classmethod
    def validate(cls, sample) -> list[tuple[str, str]]:
        config = cls.config_of(sample.settings)
        step, start, end = config.count_by, config.start_count, config.end_count
        if step == 0:
            return [("count_by", "count_by must not be 0")]
        if (end - start) * step < 0:
            return [("count_by", f"counting from {start} by {step} never reaches end_count {end}")]
        return []

    def __init__(self, sample):
        super().__init__(sample)
        config = self.config
        start, end, step = config.start_count, config.end_count, config.count_by
        steps = int((end - start) / step + 1e-9) + 1 if step and (end - start) * step >= 0 else 0
        self.values = [start + step * k for k in range(steps)]
        self.stamp = TimeFormatter("%Y-%m-%d %H:%M:%S", sample.tz)
        self.meta = event_meta(sample.settings)

    def generate(self, job: GenerationJob) -> EventBatch:
        config = self.config
        loops = sorted_job_times(job, job.rng(1), sequential=True)
        stamps = self.stamp.format_many(loops)
        fixed = {
            "samplename": self.sample.name,
            "max_loop": job.count,
            "start_count": config.start_count,
            "end_count": config.end_count,
            "count_by": config.count_by,
        }
        template = config.count_template
        events: list[str] = []
        for loop, stamp in enumerate(stamps, 1):
            events += [
                template.format(event_ts=stamp, loop_count=loop, current_count=value, **fixed) for value in self.values
            ]
        times = np.repeat(np.asarray(loops, dtype=float), len(self.values))
        return EventBatch(self.sample.label, job.seq, events, times, dict(self.meta))
