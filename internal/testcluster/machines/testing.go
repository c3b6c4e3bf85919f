package machines

import (
	"testing"

	"github.com/ordo-dev/ordo/internal/testcluster"
)

// New opens a lab for t in a temporary directory, with testcluster's ordo
// binary, and closes it in t's cleanup, failing t on anything left (and
// logging the end of every machine's ordo log when t has failed). It skips t when the
// host lacks what a lab needs (Requirements).
func New(t testing.TB) *Lab {
	t.Helper()
	if err := Requirements(); err != nil {
		t.Skip(err)
	}
	bin, err := testcluster.Binary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	l, err := Open(bin, dir)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after TempDir's removal, so it runs before it.
	// The logs are read once every process has stopped.
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			for _, m := range l.machines {
				t.Logf("test machine %s: ordo log:\n%s", m.Name, m.Log())
			}
		}
	})
	return l
}
