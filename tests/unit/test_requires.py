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
