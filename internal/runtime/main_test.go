package runtime

import (
	"os"
	"testing"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// TestMain removes the ordo binary the tests built when $ORDO_BIN was unset.
func TestMain(m *testing.M) {
	code := m.Run()
	testcluster.RemoveBuilt()
	os.Exit(code)
}
