#!/usr/bin/env bash
# The body of `make test`: every test, then the unit tests under the race
# detector, then a check that the tests left nothing behind.
#
#   hack/test.sh ORDO_BIN
#
# The run owns one fresh directory, ROOT (mktemp -d), given to every test
# as TMPDIR: t.TempDir and os.MkdirTemp, and so every test server's data
# directory and every pod shim's socket, lie under it. Each test's cleanup
# stops what it started; afterwards hack/sweep-test-processes.sh kills and
# reports any process still naming a path under ROOT and fails the run.
# Pods of other ordo servers on the machine, whatever their data
# directories, are never touched. ROOT is removed unless a mount under it
# is left (also reported as a failure: removing it would reach into the
# mount).
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: $0 ORDO_BIN}
root=$(mktemp -d "${TMPDIR:-/tmp}/ordo-test.XXXXXX") || exit 1
export TMPDIR=$root ORDO_BIN=$bin
rc=0

finish() {
  ./hack/sweep-test-processes.sh "$root" || rc=1
  local mounts
  mounts=$(awk -v r="$root/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo)
  if [ -n "$mounts" ]; then
    echo "make test: the tests left mounts under $root (kept):" >&2
    echo "$mounts" >&2
    rc=1
  else
    rm -rf "$root"
  fi
  exit $rc
}
trap finish EXIT
trap 'rc=130; exit' INT TERM

go test -count=1 -timeout 30m ./... || rc=1
# The unit and integration tests of ./internal/... again, under the race
# detector; the end-to-end tests (./test/...) drive the binary from
# outside, where -race would change nothing.
go test -race -count=1 -timeout 20m ./internal/... || rc=1
