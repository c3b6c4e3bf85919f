# ordo build and test entry points. README.md names the two that matter:
#   make run    start ordo with its embedded defaults
#   make test   install what the tests need, then run every test
KUBE_VERSION := v1.37.2
GIT_COMMIT   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BIN          ?= bin/ordo
PKG          := k8s.io/component-base/version
# --no-export-dynamic: kubectl's kustomize imports package plugin, which
# makes Go's linker export all ~320,000 symbols to the dynamic symbol table.
# Every sandbox and container start executes this binary (its C constructor
# runs before the Go runtime), and the dynamic loader then spends most of a
# millisecond per exec on that table. Upstream kubectl is built without cgo,
# so it cannot load Go plugins either; nothing is lost.
LDFLAGS      := -s -w -extldflags=-Wl,--no-export-dynamic \
	-X $(PKG).gitVersion=$(KUBE_VERSION)+ordo.$(GIT_COMMIT) \
	-X $(PKG).gitMajor=1 -X $(PKG).gitMinor=37 \
	-X $(PKG).gitCommit=$(GIT_COMMIT) -X $(PKG).gitTreeState=clean \
	-X $(PKG).buildDate=$(shell date -u +%Y-%m-%dT%H:%M:%SZ)

.PHONY: all run test deps unit e2e bench bench-images conformance fuzz $(BIN)
all: $(BIN)

$(BIN):
	go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/ordo

run: $(BIN)
	$(BIN) server

deps:
	./hack/install-test-deps.sh

# Every test: unit and integration (under the race detector) and end-to-end
# (real server, real kubectl), in a directory the run owns; what a test
# leaves running there fails the run (hack/test.sh).
test: deps $(BIN)
	./hack/test.sh $(abspath $(BIN))

bench: $(BIN)
	ORDO_BIN=$(abspath $(BIN)) go run ./bench/apilatency

# Images (issue 25): pull, pod start and disk against references; as root.
bench-images: $(BIN)
	ORDO_BIN=$(abspath $(BIN)) go run ./bench/images

# Kubernetes' own [Conformance] tests against a throwaway ordo, then every
# fuzz target for FUZZTIME each. Not part of `make test`: it takes
# about half an hour on 2 cores. See hack/conformance.sh.
conformance:
	./hack/conformance.sh

fuzz:
	./hack/fuzz.sh $(FUZZTIME)
