"""`generator = windbag`: Splunk Eventgen's load-test generator, no sample file needed.

A job of N times makes N events spread evenly over (earliest, latest], each
`<YYYY-mm-dd HH:MM:SS> -0700 WINDBAG Event <i> of <N>` (i from 1; the `-0700` is literal, as in the reference).
`count = -1` makes 60 per interval.
"""

from __future__ import annotations

import numpy as np

from eventgen.plugin import EventBatch, GenerationJob, GeneratorPlugin, TimeFormatter, event_meta


class WindbagGenerator(GeneratorPlugin):
    name = "windbag"
    summary = "Splunk Eventgen's windbag: `<time> -0700 WINDBAG Event i of N`, times even over the interval."
    needs_sample_file = False
    whole_count = 60  # `count = -1`, as in the reference
    uses_core = ("host", "source", "sourcetype", "index")

    @classmethod
    def exact_count(cls, sample) -> bool:
        return True

    def __init__(self, sample):
        super().__init__(sample)
        self.stamp = TimeFormatter("%Y-%m-%d %H:%M:%S", sample.tz)
        self.meta = event_meta(sample.settings)

    def generate(self, job: GenerationJob) -> EventBatch:
        n = job.count
        if job.timestamps is not None:
            times = np.asarray(job.timestamps, dtype=float)
        else:
            step = (job.latest - job.earliest) / n if n else 0.0
            times = job.earliest + step * np.arange(1, n + 1)
        stamps = self.stamp.format_many(times)
        events = [f"{stamp} -0700 WINDBAG Event {i} of {n}" for i, stamp in enumerate(stamps, 1)]
        return EventBatch(self.sample.label, job.seq, events, times, dict(self.meta))
