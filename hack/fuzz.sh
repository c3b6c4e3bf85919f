#!/usr/bin/env bash
# Runs every Go fuzz target of ordo for a bounded time each:
#
#   hack/fuzz.sh [DURATION]        (default 30s; hack/conformance.sh runs it)
#
# A crash is written by Go under the package's testdata/fuzz/FuzzXxx/; the
# file then runs as a regular case of `go test` (and so of `make test`)
# once committed. The run fails when any target fails.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-30s}
rc=0
# Each package with fuzz targets, and its targets (go test -fuzz takes one at a time).
for pkg in $(grep -rl --include='*_test.go' '^func Fuzz' internal cmd 2>/dev/null | xargs -n1 dirname | sort -u); do
  for target in $(grep -h '^func Fuzz' "$pkg"/*_test.go | sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/'); do
    echo "fuzz: ./$pkg $target for $fuzztime"
    if ! go test -run='^$' -fuzz="^$target\$" -fuzztime="$fuzztime" "./$pkg"; then
      echo "fuzz: $target in ./$pkg FAILED; the failing input is under ./$pkg/testdata/fuzz/$target/" >&2
      rc=1
    fi
  done
done
exit $rc
