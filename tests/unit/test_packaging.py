"""setup.cfg ships every package of the core and of the built-in plugins."""

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_listed_in_setup_cfg() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "eventgen").rglob("__init__.py")}
    found |= {
        ".".join(("eventgen_plugins", *p.parent.relative_to(ROOT / "lib" / "plugins").parts))
        for p in (ROOT / "lib" / "plugins").rglob("__init__.py")
    }
    assert found == listed
