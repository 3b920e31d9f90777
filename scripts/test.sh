#!/usr/bin/env bash
# Runs every check and test of soracom_exporter on a fresh machine:
#   1. installs the real tools the end-to-end tests use: Debian packages (Prometheus 2
#      for the compatibility test, node_exporter, systemd for systemd-analyze, buildah
#      for the container image) and, with go install through the Go module proxy,
#      Prometheus 3, Alertmanager and go-jsonnet (scripts/tools.sh; cached per user),
#   2. gofmt, go vet, staticcheck, and that the rules and dashboards are generated from the mixin,
#   3. every Go test with the race detector, end-to-end tests included.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
# Debian stable's Prometheus 2, for the compatibility test (Prometheus 3 comes from tools.sh).
[ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ] || need+=(prometheus)
command -v prometheus-node-exporter >/dev/null 2>&1 || need+=(prometheus-node-exporter)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v buildah >/dev/null 2>&1 || need+=(buildah)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: missing ${need[*]}: install the Debian packages prometheus, prometheus-node-exporter, systemd and buildah" >&2
    exit 1
  fi
  echo "--- installing ${need[*]} (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps the packages from trying to start their services here.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

echo "--- current Prometheus stack (go install, cached in ${XDG_CACHE_HOME:-$HOME/.cache}/soracom_exporter/tools)"
eval "$(scripts/tools.sh)"

echo "--- gofmt, go vet, staticcheck (make lint)"
make --no-print-directory lint

echo "--- rules and dashboards generated from contrib/mixin"
scripts/mixin.sh --check

echo "--- go test -race (unit, integration and end-to-end)"
# SORACOM_E2E=1 makes the end-to-end tests fail, not skip, when a tool is missing.
export SORACOM_E2E=1
go test -race -count=1 -timeout 15m ./... 2>&1 | tee .test-output.log
