# evctl build, test and dogfood targets. `make check` is the main job on the
# bundled catalog; `make test` runs every test.
GO      ?= go
BIN     ?= bin/evctl
FUZZTIME ?= 10s
# VERSION, when set, is stamped into the binary (`evctl version`); unset,
# evctl reports the module version of a `go install …@vX` build, else "dev".
VERSION ?=
VERSION_VAR := github.com/evctl/evctl/internal/version.stamped
# Release builds: the six platforms goreleaser builds too, into DIST.
PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
DIST    ?= dist
RELEASE_VERSION = $(or $(VERSION),$(shell git describe --tags --always --dirty 2>/dev/null),dev)

.PHONY: build test test-release test-modules release tidy fmt vet staticcheck deadcode check bench fuzz golden clean pactdeps interop-js

# The repository's modules: the core module, the interop tests (they need
# confluent-kafka-go, kept out of the core module), the pinned analysis
# tools and the release tooling (goreleaser).
# The broker adapters and the examples that need them are modules of their
# own too, so that the core module pulls no broker SDK.
NESTED_MODULES := adapters/otelmsg adapters/kafka adapters/nats adapters/sqs examples/outbox
MODULES  := . interop tools/analysis tools/release $(NESTED_MODULES)
# Run a pinned tool of tools/analysis/go.mod on the module in the current
# directory.
TOOL     = $(GO) tool -modfile=$(CURDIR)/tools/analysis/go.mod

# A static binary: CGO_ENABLED=0 (the SQLite driver is pure Go).
build:
	CGO_ENABLED=0 $(GO) build -trimpath $(if $(VERSION),-ldflags "-X $(VERSION_VAR)=$(VERSION)") -o $(BIN) ./cmd/evctl

# Cross-builds the release binaries without goreleaser, with SHA256SUMS.
release:
	rm -rf $(DIST) && mkdir -p $(DIST)
	@set -e; for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  out=$(DIST)/evctl_$(RELEASE_VERSION)_$${os}_$${arch}$$ext; echo "build $$out"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath \
	    -ldflags "-s -w -X $(VERSION_VAR)=$(RELEASE_VERSION)" -o $$out ./cmd/evctl; \
	done
	cd $(DIST) && { command -v sha256sum >/dev/null && sha256sum evctl_* || shasum -a 256 evctl_*; } > SHA256SUMS
	@cat $(DIST)/SHA256SUMS

# Static checks, then every test of every module with the race detector.
# It builds first: the release tests link the static binary from the same
# compiled packages.
test: build tidy fmt vet staticcheck deadcode pactdeps interop-js
	$(GO) test -race -count=1 -timeout 40m ./...
	cd interop && $(GO) test -race -count=1 ./...
	$(MAKE) test-release

# The nested modules: vet, staticcheck and every test with the race
# detector. examples/outbox runs a temporary PostgreSQL server (Debian's
# postgresql); adapters/sqs installs its npm test broker itself (npm ci).
test: test-modules
test-modules:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq postgresql; }
	@set -e; for m in $(NESTED_MODULES); do \
	  echo "== $$m"; \
	  (cd $$m && $(GO) vet ./... && $(TOOL) staticcheck ./... && $(GO) test -race -count=1 ./...); \
	done

# The release tooling's module: goreleaser check, targets and a snapshot
# build (the first run builds goreleaser).
test-release:
	cd tools/release && $(GO) test -count=1 -timeout 30m ./...

# The npm packages the Glue interop tests run (the AWS JavaScript SDK and
# @meinestadt.de/glue-schema-registry), exactly as package-lock.json pins them.
interop-js:
	cd interop/glue/js && npm ci --no-audit --no-fund

# Pact's JavaScript library and CLI (the Pact verifier), pinned by the
# lockfile, for the contract tests (cmd/evctl TestServeExamplesPactVerifier;
# internal/contract/testdata/pact/generate.mjs regenerates the test pacts).
PACTDIR := internal/contract/testdata/pact
pactdeps: $(PACTDIR)/node_modules/.package-lock.json

$(PACTDIR)/node_modules/.package-lock.json: $(PACTDIR)/package-lock.json
	cd $(PACTDIR) && npm ci --no-audit --no-fund --loglevel=error

# Each module's go.mod and go.sum are exactly what `go mod tidy` writes.
tidy:
	@set -e; for m in $(MODULES); do \
	  echo "go mod tidy -diff ($$m)"; \
	  (cd $$m && $(GO) mod tidy -diff) || { echo "$$m: go.mod is not tidy, run go mod tidy in $$m" >&2; exit 1; }; \
	done

# gofmt -l prints nothing.
fmt:
	@out=$$(gofmt -l .) || exit 1; if [ -n "$$out" ]; then echo "not gofmt-ed (run gofmt -w):" >&2; echo "$$out" >&2; exit 1; fi

vet:
	$(GO) vet ./...
	cd interop && $(GO) vet ./...
	cd tools/release && $(GO) vet ./...

staticcheck:
	$(TOOL) staticcheck ./...
	cd interop && $(TOOL) staticcheck ./...
	cd tools/release && $(TOOL) staticcheck ./...

# No function is unreachable from main or the tests.
deadcode:
	@out=$$($(TOOL) deadcode -test ./...) || exit 1; if [ -n "$$out" ]; then echo "deadcode:" >&2; echo "$$out" >&2; exit 1; fi

# The main job: evctl on the bundled schemas/.
check: build
	./$(BIN) lint schemas
	./$(BIN) diff schemas/v1/OrderPlaced.avsc schemas/v2/OrderPlaced.avsc

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Each fuzz target for a short time.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

# Rewrite golden files from the current output.
golden:
	EVCTL_UPDATE=1 $(GO) test -count=1 ./...

clean:
	rm -rf bin $(DIST)
