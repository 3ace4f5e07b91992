"""`rater = backfill`: Splunk Eventgen's rater for backfilled intervals.

The reference uses it to queue every interval from `backfill` up to now, each rated by the rate tables as the
`config` rater rates it. Here `backfill` (a core setting) already plans those intervals for any rater, so this is
the rate tables and randomizeCount at each interval's time (`TableRater`), under the name confs use.
"""

from __future__ import annotations

from eventgen.plugin import TableRater


class BackfillRater(TableRater):
    name = "backfill"
    summary = "Splunk Eventgen's backfill rater: the rate tables at each interval's time (set `backfill` for the span)."
    settings = ()  # the tables are `TableRater`'s, documented once under `config`
