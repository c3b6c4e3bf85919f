#!/usr/bin/env bash
# Runs Kubernetes' own [Conformance] tests against a throwaway ordo server
# on loopback, then the Go fuzz targets for a bounded time each.
#
#   hack/conformance.sh            (or: make conformance)
#
# Builds, from k8s.io/kubernetes at the version of ordo's client libraries
# (hack/conformance/go.mod): e2e.test, the ginkgo runner, agnhost (the
# program of the e2e test images) and nnp (the nonewprivs image's, setuid
# root), installed in /usr/local/bin for ordo's image table. Tests of APIs ordo does not serve, and the tests
# that do not pass, are in hack/conformance-skips.txt with a reason each;
# the run fails when any other test fails.
#
# Environment: CONFORMANCE_PROCS (parallel ginkgo processes, default 8: the tests mostly wait, so 2 cores keep up),
# CONFORMANCE_FOCUS (default '\[Conformance\]'), FUZZTIME (per fuzz target,
# default 30s; 0 skips fuzzing), CONFORMANCE_OUT (default _output/conformance),
# CONFORMANCE_SKIPS (default hack/conformance-skips.txt), CONFORMANCE_GINKGO_FLAGS
# (more ginkgo flags, e.g. --output-interceptor-mode=none to see a crashed
# process's output).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${CONFORMANCE_OUT:-$root/_output/conformance}
procs=${CONFORMANCE_PROCS:-8}
focus=${CONFORMANCE_FOCUS:-'\[Conformance\]'}
skips=${CONFORMANCE_SKIPS:-$root/hack/conformance-skips.txt}
mkdir -p "$out"
start=$(date +%s)

./hack/install-test-deps.sh --conformance
make bin/ordo

echo "conformance: building e2e.test, ginkgo, agnhost and tally (k8s.io/kubernetes $(grep -oP 'k8s.io/kubernetes \Kv\S+' hack/conformance/go.mod | head -1))"
(
  cd hack/conformance
  # The version upstream's build stamps: tests read it (PodSecurity's
  # "latest" level is e2e.test's own minor version, 0.0 when unset).
  kv=$(grep -oP 'k8s.io/kubernetes \Kv\S+' go.mod | head -1)
  vpkg=k8s.io/component-base/version
  go test -c -vet=off -ldflags "-X $vpkg.gitVersion=$kv -X $vpkg.gitMajor=$(echo "$kv" | cut -d. -f1 | tr -d v) -X $vpkg.gitMinor=$(echo "$kv" | cut -d. -f2)" \
    -o "$out/e2e.test" k8s.io/kubernetes/test/e2e
  go build -o "$out/ginkgo" github.com/onsi/ginkgo/v2/ginkgo
  go build -o "$out/agnhost" k8s.io/kubernetes/test/images/agnhost
  go build -o "$out/nnp" k8s.io/kubernetes/test/images/nonewprivs
  go build -o "$out/tally" ./tally
)
install -m 0755 "$out/agnhost" /usr/local/bin/agnhost
# The nonewprivs image's nnp prints its effective uid; it is setuid root,
# as in the image, so that allowPrivilegeEscalation decides what it prints.
install -m 4755 -o root "$out/nnp" /usr/local/bin/nnp

# A kubectl on PATH for the tests that run it: ordo is kubectl by that name.
mkdir -p "$out/path"
ln -sf "$root/bin/ordo" "$out/path/kubectl"
export PATH=$out/path:$PATH

data=$(mktemp -d /tmp/ordo-conformance.XXXXXX)
port=${CONFORMANCE_PORT:-16443}
server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  # --stop-pods-on-exit has stopped every pod; the data dir may hold
  # mounts only if something went wrong, and then rm must not cross them.
  if ! grep -q " $data" /proc/mounts; then rm -rf "$data"; else echo "conformance: mounts left under $data" >&2; fi
}
trap stop_server EXIT
# Own bridge and ranges, so that a running ordo on the machine is not in the way.
"$root/bin/ordo" server --data-dir "$data" --listen "127.0.0.1:$port" --stop-pods-on-exit \
  --bridge ordoconf0 --pod-cidr 10.244.0.0/16 --service-cidr 10.96.0.0/16 --runtime-handler-aliases test-handler \
  >"$out/server.log" 2>&1 &
server_pid=$!
export KUBECONFIG=$data/kubeconfig.yaml
for _ in $(seq 120); do
  if [ -s "$KUBECONFIG" ] && kubectl get --raw /readyz >/dev/null 2>&1 && kubectl get serviceaccount default >/dev/null 2>&1; then break; fi
  sleep 0.5
done
kubectl get nodes

rm -f "$out/report.json"
set +e
# shellcheck disable=SC2086 # CONFORMANCE_GINKGO_FLAGS is a list of flags
"$out/ginkgo" --procs="$procs" --timeout=50m --no-color --silence-skips ${CONFORMANCE_GINKGO_FLAGS:-} \
  --focus="$focus" --skip="$("$out/tally" skip-regex "$skips")" \
  --output-dir="$out" --json-report=report.json \
  "$out/e2e.test" -- \
  --kubeconfig="$KUBECONFIG" --provider=skeleton --kubectl-path="$out/path/kubectl" \
  --report-dir="$out" --e2e-output-dir="$out" --dump-logs-on-failure=false \
  --minStartupPods=0 --system-pods-startup-timeout=1m 2>&1 | tee "$out/e2e.log"
set -e
stop_server
server_pid=
trap - EXIT

fuzz_rc=0
if [ "${FUZZTIME:-30s}" != 0 ]; then
  ./hack/fuzz.sh "${FUZZTIME:-30s}" || fuzz_rc=$?
fi

echo "conformance: took $(( ($(date +%s) - start) / 60 )) min"
"$out/tally" report "$skips" "$out/report.json"
exit "$fuzz_rc"
