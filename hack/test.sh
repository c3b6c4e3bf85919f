#!/usr/bin/env bash
# The body of `make test`: every test (the unit and integration tests under
# the race detector), then a check that the tests left nothing behind.
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

race=
finish() {
  # Interrupted: the race run, in the background, ignores the terminal's
  # SIGINT; stop it before sweeping.
  if [ -n "$race" ] && kill -INT "$race" 2>/dev/null; then wait "$race"; fi
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

# The unit and integration tests (./internal/...) run under the race
# detector, alongside the end-to-end tests rather than after them: those
# mostly wait on servers and pods, and a plain `go test ./...` ran the two
# side by side too (its -p 2: the e2e binary in one slot, the packages of
# ./internal/... one after another in the other). -p 1 keeps it to that
# one slot. The race build adds about 3.5 minutes of CPU with a warm build
# cache (the first -race build compiles every dependency again, about
# 15 minutes). The end-to-end tests drive the built binary from outside,
# where -race in the test binary would find nothing.
go test -race -p 1 -count=1 -timeout 20m ./internal/... > >(sed -u 's/^/race: /') 2>&1 &
race=$!
# -parallel 3: most end-to-end tests start a server of their own (with a
# node name, bridge and ranges of its own) and then mostly wait on pods and
# timers; the ones that may run beside others call t.Parallel(), and those
# that may not say why above their function ("Not parallel: ...").
if pkgs=$(go list ./... | grep -v '/internal/'); then
  go test -count=1 -parallel 3 -timeout 45m $pkgs || rc=1
else
  rc=1
fi
wait "$race" || rc=1
race=
