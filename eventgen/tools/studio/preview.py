"""The studio's live preview: a sample's first events, with their times, metadata and the shape they look like."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from eventgen.run.preview import preview_events
from eventgen.tools.studio.convert import bounded, iso_time
from eventgen.tools.studio.errors import StudioError
from eventgen.tools.studio.files import Files

if TYPE_CHECKING:
    from eventgen.tools.studio.workspace import Workspace

MAX_PREVIEW = 1000
_KV = re.compile(r"""(?:^|[\s,;])[\w.\-]+=("[^"]*"|'[^']*'|[^\s,;]*)""")


def preview(
    workspace: Workspace,
    sample: str,
    number: int = 10,
    seed: int | None = None,
    conf_text: str | None = None,
    files: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """`number` events of one sample through `eventgen.run.preview.preview_events`; `files` holds
    unsaved content of sample or template files (see `Files.overlaid`)."""
    number = bounded(number, 1, MAX_PREVIEW, "n")
    with Files(workspace).overlaid(files), workspace.loaded(conf_text) as config:
        seed, _ = workspace.effective_seed(seed, config)
        chosen = workspace.pick(config, sample)
        single = dataclasses.replace(config, samples=[chosen])
        for _, _, batch in preview_events(single, number, seed):
            times = [iso_time(t, chosen) for t in np.asarray(batch.times, dtype=float).tolist()]
            return {
                "sample": chosen.label,
                "generator": chosen.settings["generator"],
                "seed": seed,
                "events": list(batch.events),
                "times": times,
                "meta": dict(batch.meta),
                "format": detect_format(batch.events),
            }
    raise StudioError(f"sample {sample!r} produced nothing")


def detect_format(events: list[str]) -> str:
    """`json` when every event is a JSON object or array, `kv` when most carry two or more
    key=value pairs, else `plain`."""
    if not events:
        return "plain"
    json_like = 0
    for event in events:
        text = event.strip()
        if text[:1] in "{[":
            try:
                json.loads(text)
                json_like += 1
            except ValueError:
                pass
    if json_like == len(events):
        return "json"
    kv_like = sum(1 for event in events if len(_KV.findall(event)) >= 2)
    return "kv" if kv_like * 2 >= len(events) else "plain"
