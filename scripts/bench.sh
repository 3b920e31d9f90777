#!/usr/bin/env bash
# Measures what docs/benchmarks.md reports: API calls and time of a poll, time
# and bytes of a scrape, and the exporter's resident memory, against the fake
# SORACOM API on loopback. Usage: scripts/bench.sh [SIMS_FOR_MEMORY=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
sims=${1:-100000}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

echo "## go test benchmarks"
go test -run '^$' -bench 'BenchmarkListSims10k' -benchtime 5x -benchmem ./internal/soracom
go test -run '^$' -bench 'BenchmarkRender|BenchmarkScrape' -benchtime 5x -benchmem ./internal/source

echo "## whole exporter, $sims SIMs on two coverages"
go build -o "$work/soracom_exporter" ./cmd/soracom_exporter
go build -o "$work/soracom_fake" ./cmd/soracom_fake
"$work/soracom_fake" --sims "$sims" --clock.speed 0 --rate-limit 100000 >"$work/fake.json" 2>"$work/fake.log" &
for _ in $(seq 100); do [ -s "$work/fake.json" ] && break; sleep 0.2; done
read -r jp g key_id key < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["endpoints"]["jp"], d["endpoints"]["g"], d["authKeyId"], d["authKey"])' "$work/fake.json")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start=$(date +%s.%N)
SORACOM_AUTH_KEY="$key" ${EXPORTER_ENV:-} "$work/soracom_exporter" --soracom.auth-key-id "$key_id" \
  --soracom.coverage jp --soracom.coverage g --soracom.endpoint "jp=$jp" --soracom.endpoint "g=$g" \
  --source.sessions.interval 10m --web.listen-address "127.0.0.1:$port" --log.level warn &
pid=$!
url="http://127.0.0.1:$port/metrics"
until [ "$(curl -sf "$url" | awk '/^soracom_exporter_source_items/ {s+=$2} END {print s+0}')" = "$sims" ]; do sleep 0.5; done
ready=$(date +%s.%N)
echo "first poll of both coverages complete after $(python3 -c "print(round($ready-$start,1))") s"
curl -sf "$url" | grep -E '^soracom_exporter_source_duration_seconds|^soracom_exporter_api_requests_total' || true
for enc in identity gzip; do
  curl -s -o /dev/null -H "Accept-Encoding: $enc" "$url"   # warm
  curl -s -o /dev/null -H "Accept-Encoding: $enc" -w "scrape ($enc): %{size_download} bytes, %{time_total} s\n" "$url"
done
grep -E 'VmRSS|VmHWM' "/proc/$pid/status"
