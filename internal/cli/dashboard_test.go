package cli

import (
	"os"
	"strings"
	"testing"
)

// TestDashboardOpenerKeepsTheKeyOffCommandLines: xdg-open gets a file, not
// the URL with its one-time key, and only the caller may read that file.
func TestDashboardOpenerKeepsTheKeyOffCommandLines(t *testing.T) {
	url := "http://127.0.0.1:8001/ui/?key=SECRET&x=1"
	path, err := writeOpener(url)
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(path)
	if strings.Contains(path, "SECRET") {
		t.Errorf("the opener's path %q carries the key", path)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("opener mode %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `url=http://127.0.0.1:8001/ui/?key=SECRET&amp;x=1`) {
		t.Errorf("opener does not send the browser on to the URL:\n%s", b)
	}
}
