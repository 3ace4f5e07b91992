"""Every folder of the package trees that holds Python modules is a regular package (it has an `__init__.py`).

setup.py discovers the packages, namespace folders included, and tests/e2e/test_wheel.py checks that the wheel
holds every file; this fast check keeps imports from depending on namespace-package lookups, which an editable
install of the checkout answers where an installed wheel cannot (how eventgen/format went missing unnoticed).
"""

from pathlib import Path

from tests.containerfile import PACKAGE_TREES

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_folder_is_a_regular_package() -> None:
    folders = {
        path.parent for tree in PACKAGE_TREES for path in (ROOT / tree).rglob("*.py") if "__pycache__" not in path.parts
    }
    assert ROOT / "eventgen" / "format" in folders
    missing = sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").is_file())
    assert not missing, f"folders of modules without an __init__.py: {missing}"
