#!/usr/bin/env bash
# Builds the pinned tools the tests run (current Prometheus and promtool,
# Alertmanager and amtool, go-jsonnet) with `go install` through the Go module
# proxy, once: each version lands in its own directory of the user's cache and
# is reused by every later run. Prints `export PATH=...` lines for the caller
# to eval, so that the tests find these binaries first.
#
#   eval "$(scripts/tools.sh)"      # build what is missing, then use it
#   scripts/tools.sh --print-dirs   # only print where the tools go
#
# Upgrading a tool is changing its version here; the old build stays in the
# cache until removed.
set -euo pipefail

# Prometheus 3.x is published as module versions v0.3xx.y (3.16.0 = v0.316.0).
PROMETHEUS_VERSION=v0.316.0
PROMETHEUS_RELEASE=3.16.0
ALERTMANAGER_VERSION=v0.35.0
JSONNET_VERSION=v0.22.0

cache=${XDG_CACHE_HOME:-$HOME/.cache}/soracom_exporter/tools

# The version the binaries report (--version, build_info), as release builds
# set it: go install alone leaves it empty.
version_flags() {
  echo "-X github.com/prometheus/common/version.Version=$1 -X github.com/prometheus/common/version.Revision=$2 -X github.com/prometheus/common/version.Branch=HEAD"
}

# install NAME VERSION RELEASE PACKAGE... builds the packages (all of one
# module version) into $cache/NAME-VERSION/bin unless that directory is
# complete; RELEASE is the version they report.
install() {
  local name=$1 version=$2 release=$3
  shift 3
  local dir=$cache/$name-$version
  if [ -f "$dir/.complete" ]; then
    echo "$dir/bin"
    return
  fi
  local pkgs=()
  for p in "$@"; do pkgs+=("$p@$version"); done
  rm -rf "$dir"
  mkdir -p "$dir/bin"
  local began=$SECONDS
  echo "tools.sh: building $name $version (go install; once per machine)" >&2
  # CGO off: static binaries that need no C toolchain; -trimpath: the same
  # binary whatever the cache paths.
  if ! GOBIN=$dir/bin CGO_ENABLED=0 GOFLAGS=-mod=mod go install -trimpath -tags "${TOOL_TAGS:-}" \
      -ldflags "$(version_flags "$release" "$version")" "${pkgs[@]}" >&2; then
    echo "tools.sh: building $name $version failed (the Go module proxy must be reachable)" >&2
    exit 1
  fi
  touch "$dir/.complete"
  echo "tools.sh: $name $version built in $((SECONDS - began)) s" >&2
  echo "$dir/bin"
}

# install_alertmanager VERSION builds alertmanager and amtool from the
# module's source. `go install alertmanager@version` fails since v0.35: its
# web UI is embedded from ui/app/dist, which is built by npm and not part of
# the module. The tests use the API only, so the UI is replaced by a page
# saying it was not built; everything else is the release's source.
install_alertmanager() {
  local version=$1 dir=$cache/alertmanager-$1
  if [ -f "$dir/.complete" ]; then
    echo "$dir/bin"
    return
  fi
  rm -rf "$dir"
  mkdir -p "$dir/bin"
  local began=$SECONDS
  echo "tools.sh: building alertmanager $version (from the module source; once per machine)" >&2
  local mod
  mod=$(GOFLAGS=-mod=mod go mod download -json "github.com/prometheus/alertmanager@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [ -z "$mod" ] || [ ! -d "$mod" ]; then
    echo "tools.sh: downloading alertmanager $version failed (the Go module proxy must be reachable)" >&2
    exit 1
  fi
  cp -r "$mod" "$dir/src"
  chmod -R u+w "$dir/src"
  for ui in elm mantine; do
    mkdir -p "$dir/src/ui/app/dist/$ui"
    echo '<!doctype html><title>Alertmanager</title><p>The web UI is not part of this build; the API is.' >"$dir/src/ui/app/dist/$ui/index.html"
  done
  if ! (cd "$dir/src" && GOBIN=$dir/bin CGO_ENABLED=0 go install -trimpath -ldflags "$(version_flags "${version#v}" "$version")" ./cmd/alertmanager ./cmd/amtool) >&2; then
    echo "tools.sh: building alertmanager $version failed" >&2
    exit 1
  fi
  rm -rf "$dir/src"
  touch "$dir/.complete"
  echo "tools.sh: alertmanager $version built in $((SECONDS - began)) s" >&2
  echo "$dir/bin"
}

if [ "${1:-}" = "--print-dirs" ]; then
  for d in prometheus-$PROMETHEUS_VERSION alertmanager-$ALERTMANAGER_VERSION jsonnet-$JSONNET_VERSION; do
    echo "$cache/$d/bin"
  done
  exit 0
fi

# remove_all_sd: Prometheus without its service discovery plugins (cloud and
# Kubernetes clients), which the tests' static targets do not use: the build
# takes a fraction of the time.
prom=$(TOOL_TAGS=remove_all_sd install prometheus "$PROMETHEUS_VERSION" "$PROMETHEUS_RELEASE" \
  github.com/prometheus/prometheus/cmd/prometheus github.com/prometheus/prometheus/cmd/promtool)
am=$(install_alertmanager "$ALERTMANAGER_VERSION")
jsonnet=$(install jsonnet "$JSONNET_VERSION" "${JSONNET_VERSION#v}" github.com/google/go-jsonnet/cmd/jsonnet)
echo "export PATH=\"$prom:$am:$jsonnet:\$PATH\""
