"""`generator = perdayvolumegenerator`: the reference's name for sample generation under perDayVolume.

The volume arithmetic lives in `rater = perdayvolume`; rendering is the default generator's.
"""

from __future__ import annotations

from eventgen_plugins.generator.default import DefaultGenerator


class PerDayVolumeGenerator(DefaultGenerator):
    name = "perdayvolumegenerator"
    summary = "Alias of `default` kept for confs written for the reference (`perDayVolume` sizes the count)."
