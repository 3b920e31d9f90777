# soracom_exporter — build, lint and test.
GO       ?= go
BINARY   ?= soracom_exporter
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -s -w \
	-X github.com/prometheus/common/version.Version=$(VERSION) \
	-X github.com/prometheus/common/version.Revision=$(REVISION) \
	-X github.com/prometheus/common/version.Branch=$(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)

# staticcheck, pinned, installed under the user cache directory by `make lint` when missing.
STATICCHECK_VERSION ?= v0.8.2
TOOLS_DIR           ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/soracom_exporter/tools
STATICCHECK         := $(TOOLS_DIR)/staticcheck-$(STATICCHECK_VERSION)/staticcheck

.PHONY: all build test unit lint staticcheck demo bench clean mixin tools image

all: lint build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BINARY) ./cmd/soracom_exporter

# The container image, with podman (or buildah) packing the binary built above.
IMAGE   ?= soracom_exporter:$(VERSION)
BUILDER ?= $(shell command -v podman 2>/dev/null || command -v buildah 2>/dev/null || echo docker)
image: build
	$(BUILDER) build --build-arg BINARY=prebuilt --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) -f Containerfile -t $(IMAGE) .

# The one command that runs every check and test (it installs what it needs).
test:
	./scripts/test.sh

# Unit and integration tests only, without the end-to-end tests.
unit:
	$(GO) test -race -count=1 ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(MAKE) --no-print-directory staticcheck

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

$(STATICCHECK):
	GOBIN=$(dir $(STATICCHECK)) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

demo:
	$(GO) run ./cmd/soracom_exporter --demo

bench:
	./scripts/bench.sh

# Regenerates contrib/prometheus/rules and contrib/grafana from contrib/mixin.
mixin:
	./scripts/mixin.sh

# Builds the pinned test tools (Prometheus 3, Alertmanager, go-jsonnet) into the user's cache.
tools:
	./scripts/tools.sh >/dev/null

clean:
	rm -f $(BINARY)
