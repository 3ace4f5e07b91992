#!/usr/bin/env bash
# iproute2's `ip` for the tests that build private networks of Linux network namespaces (tests/netns.py).
# Idempotent; needs root (or sudo).
set -euo pipefail
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] && exit 0
source "$(dirname "$0")/apt.sh"
apt_get update -qq
apt_get install -y -qq --no-install-recommends iproute2
