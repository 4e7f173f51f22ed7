# evctl build, test and dogfood targets. `make check` is the main job on the
# bundled catalog; `make test` runs every test.
GO      ?= go
BIN     ?= bin/evctl
FUZZTIME ?= 10s

.PHONY: build test check bench fuzz golden vet clean

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/evctl

# Every test, with the race detector.
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

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

vet:
	$(GO) vet ./...

clean:
	rm -rf bin
