#!/usr/bin/env bash
# iproute2's `ip` for the tests that build private networks of Linux network namespaces (tests/netns.py).
# Idempotent; needs root (or sudo).
set -euo pipefail
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends iproute2
