package runtime

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestConstructorsNeedTheirCommand runs this test binary (which carries the
// C constructors) with each constructor's environment variable but not its
// command: it must run as itself. Before, ORDO_SANDBOX_HOSTNAME alone made
// any ordo command set the hostname and wait as a sandbox, and ORDO_SHIM
// alone made it a shim. The child gets a UTS namespace of its own, so a
// regression cannot rename the host.
func TestConstructorsNeedTheirCommand(t *testing.T) {
	for _, env := range []string{envSandboxHostname + "=stray", "ORDO_SHIM=1"} {
		t.Run(strings.SplitN(env, "=", 2)[0], func(t *testing.T) {
			// The deadline only catches a child that turned into a
			// long-lived sandbox or shim; it is not a timing assertion.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), env)
			cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUTS}
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "PASS") {
				t.Fatalf("with %s the test binary did not run as itself: %v\n%s", env, err, out)
			}
		})
	}
}
