"""A generator spec loaded as a `RunConfig`: an eventgen.conf, a Splunk app folder or an Eventum generator.yml
inside the workspace, its overrides applied to every stanza, its rate shared by the samples."""

from __future__ import annotations

import os
import time

from eventgen.conf.eventum import looks_like_project, secrets_from
from eventgen.resolve.apps import load_target
from eventgen.resolve.config import RunConfig
from eventgen.resolve.eventum import load_translated
from eventgen.resolve.loader import load
from eventgen.web.specs import GeneratorSpec
from eventgen.web.workspace import Workspace


def load_spec(spec: GeneratorSpec, workspace: Workspace) -> RunConfig:
    """The spec's conf loaded and checked (ConfigErrors naming file, stanza and key; OutsideWorkspace)."""
    path = workspace.resolve(spec.path)
    overrides = overrides_of(spec)
    if looks_like_project(path):
        config = load_translated(path, spec.params, secrets_from(os.environ, None), overrides)
    elif path.is_dir():
        config = load_target(str(path), None, overrides, now=time.time())
    else:
        config = load(path, overrides, now=time.time())
    workspace.check(config)
    first = first_rate(spec)
    if first is not None:
        share_rate(config, first)
    return config


def overrides_of(spec: GeneratorSpec) -> dict[str, str]:
    """The conf settings the spec applies to every stanza (a cluster's workers get them in the bundle)."""
    overrides = dict(spec.overrides)
    first = first_rate(spec)
    if first is not None:  # the rate schedule chosen at load (its settings resolved), then shared out
        overrides.update(input="rate", rate=str(first))
    return overrides


def first_rate(spec: GeneratorSpec) -> float | None:
    """The events/s a run starts at: the spec's rate, else its shape's first rate, else the conf's own."""
    shape = spec.parsed_shape()
    if spec.rate is not None:
        return spec.rate
    return shape.rate_at(0.0) if shape is not None else None


def share_rate(config: RunConfig, rate: float) -> None:
    """Every sample runs the `rate` schedule at an equal share of `rate` events/s (as `generate --rate` does)."""
    share = rate / max(len(config.samples), 1)
    for sample in config.samples:
        sample.settings = sample.settings.with_values(input="rate", rate=share)
