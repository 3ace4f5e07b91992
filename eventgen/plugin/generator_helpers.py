"""What generator plugins share: the times of a job's events, the metadata of a sample's events, and the error
for a sample setting the generator cannot use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from eventgen.core.batch import GenerationJob
from eventgen.core.errors import ConfigError

META_KEYS = ("host", "source", "sourcetype", "index")


def sorted_job_times(job: GenerationJob, rng: np.random.Generator, sequential: bool) -> np.ndarray:
    """The job's explicit times; else `count` times spread evenly (`sequential`) or drawn and sorted in
    [earliest, latest); a job without a span puts every event at `earliest`."""
    if job.timestamps is not None:
        return np.asarray(job.timestamps, dtype=float)
    if job.latest <= job.earliest or job.count <= 0:
        return np.full(max(job.count, 0), job.earliest)
    if sequential:
        return np.linspace(job.earliest, job.latest, job.count, endpoint=False)
    return np.sort(rng.uniform(job.earliest, job.latest, job.count))


def event_meta(settings: Mapping[str, Any]) -> dict[str, str]:
    """host, source, sourcetype and index of a sample's events as text ('' for one the sample leaves unset)."""
    return {key: str(settings.get(key) or "") for key in META_KEYS}


class SampleProblem(ConfigError):
    """A setting of a sample's stanza that the plugin cannot use, pinned to the conf file, stanza and key."""

    def __init__(self, sample: Any, key: str, message: str):
        super().__init__(message, str(sample.conf_path), sample.stanza, key)
