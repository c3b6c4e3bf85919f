package testcluster

import (
	"context"
	"strings"
	"testing"
	"time"
)

// T is a started server bound to a test: it is killed at the end of the test.
type T struct {
	*Server
	t testing.TB
}

// StartT starts a server for t in a temporary data directory.
func StartT(t testing.TB, extraArgs ...string) *T {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	return StartBinaryT(t, bin, extraArgs...)
}

// StartBinaryT is StartT with the ordo binary at bin (a test of upgrades
// changes Bin between restarts).
func StartBinaryT(t testing.TB, bin string, extraArgs ...string) *T {
	t.Helper()
	s, err := StartBinary(bin, t.TempDir(), extraArgs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Stop()
		if n := s.StopPods(); n > 0 {
			t.Errorf("%d pods' processes outlived the server's stop with --stop-pods-on-exit", n)
		}
		s.RemoveBridge()
		if t.Failed() {
			t.Logf("server log (%s):\n%s", s.LogPath(), tail(s.LogPath()))
		}
	})
	return &T{Server: s, t: t}
}

// With returns the same server bound to another test, so a subtest's
// failure ends only that subtest.
func (c *T) With(t testing.TB) *T { return &T{Server: c.Server, t: t} }

// Run runs kubectl and fails the test if it exits non-zero.
func (c *T) Run(args ...string) string {
	c.t.Helper()
	return c.RunIn("", args...)
}

// kubectlDeadline bounds one kubectl run. It is longer than the longest
// --timeout a test gives `kubectl wait` or `rollout status` (180s), so kubectl's own timeout
// fires first and says which object it was still waiting for.
const kubectlDeadline = 200 * time.Second

// RunIn runs kubectl with stdin and fails the test on a non-zero exit.
func (c *T) RunIn(stdin string, args ...string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), kubectlDeadline)
	defer cancel()
	out, errOut, err := c.Kubectl(ctx, stdin, args...)
	if err != nil {
		c.t.Fatalf("kubectl %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// Fail runs kubectl expecting a non-zero exit and returns stderr.
func (c *T) Fail(stdin string, args ...string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), kubectlDeadline)
	defer cancel()
	out, errOut, err := c.Kubectl(ctx, stdin, args...)
	if err == nil {
		c.t.Fatalf("kubectl %s succeeded, want failure\nstdout: %s", strings.Join(args, " "), out)
	}
	return errOut
}

// Bind returns a server started elsewhere (a package's shared server, from
// TestMain) bound to t, so kubectl helpers fail t; t does not stop it.
func Bind(t testing.TB, s *Server) *T { return &T{Server: s, t: t} }
