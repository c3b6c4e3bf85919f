// Package testutil holds helpers shared by unit tests.
package testutil

import (
	"testing"
	"time"
)

// Eventually polls cond every 20 ms for up to 10 s and fails t, naming
// what, if it never holds: controllers act asynchronously, and a test
// should wait exactly as long as they take.
func Eventually(t testing.TB, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out: %s", what)
}
