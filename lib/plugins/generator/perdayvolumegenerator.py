"""`generator = perdayvolumegenerator`: the reference's name for sample generation under perDayVolume.

The volume arithmetic lives in `rater = perdayvolume`; rendering is the default generator's (`SampleGenerator`).
"""

from __future__ import annotations

from eventgen.plugin import SampleGenerator


class PerDayVolumeGenerator(SampleGenerator):
    name = "perdayvolumegenerator"
    summary = "Alias of `default` kept for confs written for the reference (`perDayVolume` sizes the count)."
