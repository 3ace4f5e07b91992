"""eventgen.REQUIRES (checked by SA-Eventgen's modular input) names exactly setup.cfg's install_requires."""

from __future__ import annotations

import configparser
import re

import eventgen
from tests.conftest import ROOT


def test_requires_matches_install_requires() -> None:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    lines = [line.strip() for line in parser["options"]["install_requires"].splitlines() if line.strip()]
    declared = {re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower() for line in lines}
    assert {package.lower() for _, package in eventgen.REQUIRES} == declared


def test_the_splunk_app_recipes_name_every_dependency():
    """The interpreter recipe in docs/splunk-apps.md and the built app's README list what a run imports."""
    import re
    from pathlib import Path

    import eventgen
    from eventgen.tools.splunkapp import README

    doc = (Path(__file__).resolve().parents[2] / "docs" / "splunk-apps.md").read_text()
    recipe = re.search(r"/opt/eventgen-py/bin/pip install ([^`]+)`", doc)
    assert recipe is not None
    wanted = [dist for _, dist in eventgen.REQUIRES]
    assert recipe.group(1).split() == wanted
    assert f"pip install {' '.join(wanted)}" in README
    assert "pip install eventgen" not in README
