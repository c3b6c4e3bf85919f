# ordo build and test entry points. README.md names the two that matter:
#   make run    start ordo with its embedded defaults
#   make test   install what the tests need, then run every test
KUBE_VERSION := v1.37.2
GIT_COMMIT   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BIN          ?= bin/ordo
PKG          := k8s.io/component-base/version
LDFLAGS      := -s -w \
	-X $(PKG).gitVersion=$(KUBE_VERSION)+ordo.$(GIT_COMMIT) \
	-X $(PKG).gitMajor=1 -X $(PKG).gitMinor=37 \
	-X $(PKG).gitCommit=$(GIT_COMMIT) -X $(PKG).gitTreeState=clean \
	-X $(PKG).buildDate=$(shell date -u +%Y-%m-%dT%H:%M:%SZ)

.PHONY: all run test deps unit e2e bench $(BIN)
all: $(BIN)

$(BIN):
	go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/ordo

run: $(BIN)
	$(BIN) server

deps:
	./hack/install-test-deps.sh

# Every test: unit, integration and end-to-end (real server, real kubectl).
test: deps $(BIN)
	ORDO_BIN=$(abspath $(BIN)) go test -count=1 -timeout 30m ./...

bench: $(BIN)
	ORDO_BIN=$(abspath $(BIN)) go run ./bench/apilatency
