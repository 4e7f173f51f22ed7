# evctl build, test and dogfood targets. `make check` is the main job on the
# bundled catalog; `make test` runs every test.
GO      ?= go
BIN     ?= bin/evctl
FUZZTIME ?= 10s

.PHONY: build test tidy fmt vet staticcheck deadcode check bench fuzz golden clean

# The repository's modules: the core module, the interop tests (they need
# confluent-kafka-go, kept out of the core module) and the pinned analysis
# tools.
MODULES  := . interop tools/analysis
# Run a pinned tool of tools/analysis/go.mod on the module in the current
# directory.
TOOL     = $(GO) tool -modfile=$(CURDIR)/tools/analysis/go.mod

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/evctl

# Static checks, then every test of every module with the race detector.
test: tidy fmt vet staticcheck deadcode
	$(GO) test -race -count=1 ./...
	cd interop && $(GO) test -race -count=1 ./...

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

staticcheck:
	$(TOOL) staticcheck ./...
	cd interop && $(TOOL) staticcheck ./...

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
	rm -rf bin
