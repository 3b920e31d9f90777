#!/usr/bin/env bash
# Generates contrib/prometheus/rules/*.yml and contrib/grafana/*.json from the
# monitoring mixin in contrib/mixin with go-jsonnet (built by scripts/tools.sh).
#   scripts/mixin.sh          write the generated files into contrib/
#   scripts/mixin.sh --check  fail, showing the difference, when they are out of date
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/tools.sh)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$out/prometheus/rules" "$out/grafana"
jsonnet -J contrib/mixin -S -m "$out" contrib/mixin/generate.jsonnet >/dev/null
if [ "${1:-}" = "--check" ]; then
  status=0
  for f in $(cd "$out" && find . -type f | sort); do
    if ! diff -u "contrib/$f" "$out/$f"; then
      status=1
    fi
  done
  if [ $status -ne 0 ]; then
    echo "mixin.sh: the files above are out of date with contrib/mixin: run make mixin" >&2
  fi
  exit $status
fi
cp -r "$out/." contrib/
(cd "$out" && find . -type f | sort | sed 's|^\./|wrote contrib/|')
