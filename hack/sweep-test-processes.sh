#!/usr/bin/env bash
# Ends what a test run left running under its own root, and says so:
#
#   hack/sweep-test-processes.sh ROOT
#
# ROOT is the directory `make test` created for the run and passed to
# every test as TMPDIR, so each test's data directories, and with them
# its pod shims' sockets (`ordo internal-shim ROOT/.../shim.sock`), lie
# under it. Each test's cleanup stops its own servers and shims
# (internal/testcluster); a process still naming a path under ROOT in its
# command line afterwards is a leak: it is listed, killed, and the sweep
# exits 1 so that the run fails. Processes of anything else on the machine
# (another ordo, another engineer's test run, with data under /tmp too)
# are never touched.
set -euo pipefail
root=${1:?usage: $0 ROOT}
root=${root%/}
case $root in
/?*) ;;
*) echo "sweep: refusing root '$root'" >&2; exit 2 ;;
esac
left=()
for dir in /proc/[0-9]*; do
  pid=${dir#/proc/}
  [ "$pid" = $$ ] && continue
  args=()
  { mapfile -d '' -t args <"$dir/cmdline"; } 2>/dev/null || continue
  cmdline="${args[*]}"
  if [[ " $cmdline" == *" $root/"* || " $cmdline" == *"=$root/"* ]]; then
    left+=("$pid")
    echo "sweep: pid $pid outlived the tests: $cmdline" >&2
  fi
done
[ ${#left[@]} -eq 0 ] && exit 0
kill -KILL "${left[@]}" 2>/dev/null || true
echo "sweep: killed ${#left[@]} process(es) the tests left under $root" >&2
exit 1
