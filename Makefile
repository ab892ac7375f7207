# mailtrip — common tasks. `make help` lists them.
GO        ?= go
BIN       ?= bin/mailtrip
FUZZTIME  ?= 30s
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: help build test check fuzz bench docs

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/mailtrip
	$(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/mailtrip

test: ## the whole test suite: race-enabled tests, every benchmark once, the benchmark script on a small input
	$(GO) test -race -count=1 ./...
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...
	CI=$${CI:-} SIZE=16MiB bench/scan.sh

check: ## gofmt, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

fuzz: ## run every fuzz target for FUZZTIME (default 30s) each
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; done

bench: ## full benchmarks: Go benchmarks and bench/scan.sh on 1 GiB (see bench/README.md)
	$(GO) test -run '^$$' -bench . -benchmem ./...
	bench/scan.sh

docs: ## regenerate docs/cli.md from the commands' help
	$(GO) test ./cmd/mailtrip -run TestCLIDocs -update
