#!/usr/bin/env bash
# Installs eventgen with its test dependencies and the real receivers the integration tests
# start on loopback (rsyslog, OpenSearch-API server, Kafka-protocol broker, nginx, chromium); the `test` extra
# brings chdb, ClickHouse's embedded engine, behind the ClickHouse HTTP test server (tests/clickhouse_server.py).
# Idempotent; needs root (or sudo) for the Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
for step in .ci/install-*.sh; do
  [ -f "$step" ] || continue
  echo "== $step"
  bash "$step"
done
