"""What templates see by name: the stanza's variables and the objects of the template API (per template, built
once), and the values of the job being rendered (per job)."""

from __future__ import annotations

import random
from datetime import datetime, tzinfo
from typing import Any

import jinja2

from eventgen.plugin import GenerationJob

from .api import Modules, Subprocess
from .dispatch import DISPATCH
from .options import Options
from .rand import Rand
from .randnames import rand_names
from .samples import Samples, Table
from .scope import Scope


def template_contexts(
    sample: Any,
    env: jinja2.Environment,
    options: Options,
    scope: Scope,
    rand: Rand,
    rng: random.Random,
    tables: dict[str, Table],
    tags: tuple,
) -> dict[str, dict[str, Any]]:
    """One context per template alias: the env globals, the stanza's variables, the template API and its state."""
    common = {
        **env.globals,
        **options.variables,
        "params": options.variables,
        "tags": tags,
        "rand": rand,
        "module": Modules(rand, rng, options.modules_dir, options.sandbox),
        "samples": Samples(tables),
        "subprocess": Subprocess(options.allow_subprocess, sample.conf_path.parent, sample.stanza),
        "shared": scope.shared,
        "globals": scope.globals,
        "dispatch": DISPATCH,
        **rand_names(rand),  # what `module.rand.<part>.<method>` compiles to (randnames.py)
    }
    return {
        s.alias: {**common, "vars": s.vars, "locals": scope.locals[s.alias], "template_alias": s.alias}
        for s in options.specs
    }


def job_values(job: GenerationJob, stamps: list[datetime], tz: tzinfo) -> dict[str, Any]:
    """The names every template sees for one job: its window, count and Eventgen's `eventgen_*` values."""
    earliest, latest = float(job.earliest), float(job.latest)
    return {
        "eventgen_now": float(job.now or earliest),
        "eventgen_earliest": datetime.fromtimestamp(earliest, tz),
        "eventgen_latest": datetime.fromtimestamp(latest, tz),
        "eventgen_earliest_epoch": earliest,
        "eventgen_latest_epoch": latest,
        "eventgen_maxcount": len(stamps),
        "eventgen_interval": job.interval,
        "eventgen_count": job.offset,
        "count": len(stamps),
        "timestamp": stamps[0] if stamps else datetime.fromtimestamp(earliest, tz),
    }
