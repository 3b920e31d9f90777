#!/usr/bin/env bash
# Measures what docs/benchmarks.md reports: API calls and time of a poll, time
# and bytes of a scrape, and the resident memory of the exporter and, apart,
# of the fake SORACOM API, on loopback.
#
# Usage: scripts/bench.sh [SIMS=100000] [extra exporter flags...]
#   scripts/bench.sh 100000
#   scripts/bench.sh 1000000 --sim.metrics=aggregate
# BENCH_GO=0 skips the go test benchmarks (for a second fleet size).
set -euo pipefail
cd "$(dirname "$0")/.."
sims=${1:-100000}
shift || true
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

if [ "${BENCH_GO:-1}" != 0 ]; then
  echo "## go test benchmarks"
  go test -run '^$' -bench 'BenchmarkListSims10k' -benchtime 5x -benchmem ./internal/soracom
  go test -run '^$' -bench 'BenchmarkRender|BenchmarkScrape' -benchtime 5x -benchmem ./internal/source
fi

echo "## whole exporter, $sims SIMs on two coverages ${*:-}"
go build -o "$work/soracom_exporter" ./cmd/soracom_exporter
go build -o "$work/soracom_fake" ./cmd/soracom_fake
"$work/soracom_fake" --sims "$sims" --clock.speed 0 --rate-limit 100000000 >"$work/fake.json" 2>"$work/fake.log" &
fake=$!
for _ in $(seq 1200); do [ -s "$work/fake.json" ] && break; sleep 0.5; done
echo "fake API ready; its resident memory: $(grep VmRSS "/proc/$fake/status" | awk '{print $2/1024 " MB"}')"
read -r jp g key_id key < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["endpoints"]["jp"], d["endpoints"]["g"], d["authKeyId"], d["authKey"])' "$work/fake.json")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$(date +%s.%N)
SORACOM_AUTH_KEY="$key" ${EXPORTER_ENV:-} "$work/soracom_exporter" --soracom.auth-key-id "$key_id" \
  --soracom.coverage jp --soracom.coverage g --soracom.endpoint "jp=$jp" --soracom.endpoint "g=$g" \
  --source.sessions.interval 10m --web.listen-address "127.0.0.1:$port" --log.level warn "$@" &
pid=$!
url="http://127.0.0.1:$port/metrics"
until [ "$(curl -sf "$url" | awk '/^soracom_exporter_source_items/ {s+=$2} END {print s+0}')" = "$sims" ]; do sleep 0.5; done
ready=$(date +%s.%N)
echo "first poll of both coverages complete after $(python3 -c "print(round($ready-$start,1))") s"
curl -sf "$url" | grep -E '^soracom_exporter_source_duration_seconds|^soracom_exporter_api_requests_total' || true
for enc in identity gzip; do
  curl -s -o /dev/null -H "Accept-Encoding: $enc" "$url"   # warm
  for _ in 1 2 3; do
    curl -s -o /dev/null -H "Accept-Encoding: $enc" -w "scrape ($enc): %{size_download} bytes, %{time_total} s\n" "$url"
  done
done
echo "exporter: $(grep -E 'VmRSS|VmHWM' "/proc/$pid/status" | tr -s ' \t\n' ' ')"
echo "fake API: $(grep -E 'VmRSS|VmHWM' "/proc/$fake/status" | tr -s ' \t\n' ' ')"
