#!/usr/bin/env bash
# Install what `eventgen studio` and its browser tests need. Idempotent; run as root (apt-get).
#   chromium    Debian's headless browser, driven by Playwright (never Playwright's own download)   apt
#   flask       the studio's web framework (extra `studio`)                                           pip
#   playwright  Python driver for Chromium in tests/e2e/test_studio.py                               pip
set -euo pipefail
python="${PYTHON:-python3}"
source "$(dirname "$0")/apt.sh"

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
    apt_get update -qq
    apt_get install -y -qq --no-install-recommends chromium
fi

pip_missing=()
"$python" -c "import flask" 2>/dev/null || pip_missing+=("flask>=3")
"$python" -c "import playwright" 2>/dev/null || pip_missing+=(playwright)
if [ "${#pip_missing[@]}" -gt 0 ]; then
    "$python" -m pip install -q "${pip_missing[@]}"
fi
# Playwright drives /usr/bin/chromium via executable_path; `playwright install` is not needed (no internet).
/usr/bin/chromium --version
"$python" -c "import flask, playwright; print('flask and playwright ready')"
