package e2e

import (
	"os"
	"testing"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// TestMain watches the test binary's memory (memwatch_test.go), and
// removes the ordo binary the tests built when $ORDO_BIN was unset.
func TestMain(m *testing.M) {
	go watchMemory(os.Stderr)
	code := m.Run()
	testcluster.RemoveBuilt()
	os.Exit(code)
}
