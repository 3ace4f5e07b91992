"""`rater = config`: Eventgen's rate tables and randomizeCount (`TableRater`)."""

from __future__ import annotations

from eventgen.plugin import TableRater


class ConfigRater(TableRater):
    name = "config"
    summary = "Scale count by hour/day/minute/month tables and randomizeCount."
