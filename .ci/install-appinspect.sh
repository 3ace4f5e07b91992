#!/usr/bin/env bash
# Install Splunk AppInspect (PyPI: splunk-appinspect) into its own virtualenv, because it pins
# croniter<2 while eventgen needs croniter>=2. Idempotent. Prints the path of the CLI.
#   APPINSPECT_VENV  where the virtualenv goes (default: ~/.cache/eventgen/appinspect-venv)
# tests/e2e/test_splunk_app.py runs this script when `splunk-appinspect` is not found.
set -euo pipefail
source "$(dirname "$0")/apt.sh"
python="${PYTHON:-python3}"
venv="${APPINSPECT_VENV:-$HOME/.cache/eventgen/appinspect-venv}"
if [ ! -x "$venv/bin/splunk-appinspect" ]; then
    if ! "$python" -c "import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library('magic') else 1)"; then
        apt_get update -qq >&2
        apt_get install -y -qq --no-install-recommends libmagic1 >&2
    fi
    "$python" -m venv "$venv" >&2
    "$venv/bin/python" -m pip install -q --disable-pip-version-check splunk-appinspect >&2
fi
echo "$venv/bin/splunk-appinspect"
