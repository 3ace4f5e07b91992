"""Packages are discovered, never listed: every folder under eventgen/, and lib/plugins/ installed as the
eventgen_plugins package (a checkout keeps the plugins where Splunk Eventgen's users look for them). setup.cfg
holds everything else; setup.cfg alone cannot install a folder under another name with its subfolders found.
tests/e2e/test_wheel.py checks that the wheel holds every file of both trees."""

from setuptools import find_namespace_packages, setup

PLUGINS = "eventgen_plugins"
CACHES = ["*__pycache__*"]

setup(
    packages=[
        *find_namespace_packages(include=["eventgen", "eventgen.*"], exclude=CACHES),
        PLUGINS,
        *(f"{PLUGINS}.{name}" for name in find_namespace_packages("lib/plugins", exclude=CACHES)),
    ],
    package_dir={PLUGINS: "lib/plugins"},
)
