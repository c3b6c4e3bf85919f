package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// protocol1Pods are a logger and a pod that fails and is restarted: under
// a shim an older ordo started (protocol 1) the agent copies their pipes.
const protocol1Pods = `apiVersion: v1
kind: Pod
metadata: {name: logger}
spec:
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.2; done']
---
apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: OnFailure
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo started; sleep 4; exit 1']
`

// TestProtocol1PodsKeepTheirLogsAcrossAnUpgrade starts pods under an ordo
// whose shims speak protocol 1 (ORDO_PROTOCOL1_BIN, e.g. built from commit
// a643d0d), kills it and starts this one: the adopted run's log goes on
// with no line lost, and a new run under the old shim is logged too. It
// is skipped without that binary.
func TestProtocol1PodsKeepTheirLogsAcrossAnUpgrade(t *testing.T) {
	t.Parallel()
	old := os.Getenv("ORDO_PROTOCOL1_BIN")
	if old == "" || os.Geteuid() != 0 {
		t.Skip("needs ORDO_PROTOCOL1_BIN, an ordo with protocol 1 shims, and root")
	}
	bin, err := testcluster.Binary()
	if err != nil {
		t.Fatal(err)
	}
	c := testcluster.StartBinaryT(t, old, "--node-name", fmt.Sprintf("proto1-%d", os.Getpid()))
	c.RunIn(protocol1Pods, "apply", "-f", "-")
	c.Run("wait", "--for=condition=Ready", "pod/logger", "pod/once", "--timeout=120s")
	before := logLines(t, c, "logger")
	c.Kill9()
	c.Bin = bin
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return logLines(t, c, "logger") > before+10 }, "the adopted logger's log grows, with no gap")
	waitFor(t, func() bool {
		return c.Run("get", "pod", "once", "-o", "jsonpath={.status.containerStatuses[0].restartCount}") == "1" &&
			strings.TrimSpace(c.Run("logs", "once")) == "started"
	}, "the restarted run under the old shim is logged")
}
