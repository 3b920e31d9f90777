#!/usr/bin/env bash
# Measures what docs/benchmarks.md reports: API calls and time of a poll, time
# and bytes of a scrape, and the resident memory of the exporter and, apart,
# of the fake SORACOM API, on loopback.
#
# Usage: scripts/bench.sh [SIMS=100000] [extra exporter flags...]
#   scripts/bench.sh 100000
#   scripts/bench.sh 1000000 --sim.metrics=aggregate
# BENCH_GO=0 skips the go test benchmarks (for a second fleet size).
# After the first poll, BENCH_POLLS more polls (default 3) run every
# BENCH_INTERVAL (default 30s; a poll must fit in it) while the fake's clock
# runs BENCH_CLOCK_SPEED times real time (default 20: 10 minutes of sessions
# changing between two polls 30 s apart); the peak resident memory is
# reported after each.
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
"$work/soracom_fake" --sims "$sims" --clock.speed "${BENCH_CLOCK_SPEED:-20}" --rate-limit 100000000 >"$work/fake.json" 2>"$work/fake.log" &
fake=$!
for _ in $(seq 1200); do [ -s "$work/fake.json" ] && break; sleep 0.5; done
echo "fake API ready; its resident memory: $(grep VmRSS "/proc/$fake/status" | awk '{print $2/1024 " MB"}')"
read -r jp g key_id key < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["endpoints"]["jp"], d["endpoints"]["g"], d["authKeyId"], d["authKey"])' "$work/fake.json")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$(date +%s.%N)
SORACOM_AUTH_KEY="$key" ${EXPORTER_ENV:-} "$work/soracom_exporter" --soracom.auth-key-id "$key_id" \
  --soracom.coverage jp --soracom.coverage g --soracom.endpoint "jp=$jp" --soracom.endpoint "g=$g" \
  --source.sessions.interval "${BENCH_INTERVAL:-30s}" --web.listen-address "127.0.0.1:$port" --log.level warn "$@" &
pid=$!
url="http://127.0.0.1:$port/metrics"
# The script reads /metrics gzipped, as Prometheus does: the plain text of the
# per-SIM series is inflated on demand, which a loop of reads would measure.
until [ "$(curl -sf --compressed "$url" | awk '/^soracom_exporter_source_items/ {s+=$2} END {print s+0}')" = "$sims" ]; do sleep 0.5; done
ready=$(date +%s.%N)
echo "first poll of both coverages complete after $(python3 -c "print(round($ready-$start,1))") s"
curl -sf --compressed "$url" | grep -E '^soracom_exporter_source_duration_seconds|^soracom_exporter_api_requests_total' || true
for enc in identity gzip; do
  curl -s -o /dev/null -H "Accept-Encoding: $enc" "$url"   # warm
  for _ in 1 2 3; do
    curl -s -o /dev/null -H "Accept-Encoding: $enc" -w "scrape ($enc): %{size_download} bytes, %{time_total} s\n" "$url"
  done
done
echo "exporter: $(grep -E 'VmRSS|VmHWM' "/proc/$pid/status" | tr -s ' \t\n' ' ')"
echo "fake API: $(grep -E 'VmRSS|VmHWM' "/proc/$fake/status" | tr -s ' \t\n' ' ')"

# Later polls: sessions changed on the fake's running clock, records
# updated and lines rendered again, the previous rendering garbage.
stamps() { curl -sf --compressed "$url" | grep '^soracom_exporter_source_last_success_timestamp_seconds{' | grep 'source="sessions"' | sort; }
online() { curl -sf --compressed "$url" | awk '/^soracom_sims_online\{/ {s+=$2} END {print s+0}'; }
for i in $(seq "${BENCH_POLLS:-3}"); do
  before=$(stamps)
  until [ -z "$(comm -12 <(echo "$before") <(stamps))" ]; do sleep 1; done
  echo "poll $((i + 1)) of both coverages done: $(online) SIMs online; exporter: $(grep -E 'VmRSS|VmHWM' "/proc/$pid/status" | tr -s ' \t\n' ' ')"
done
echo "fake API: $(grep -E 'VmRSS|VmHWM' "/proc/$fake/status" | tr -s ' \t\n' ' ')"
