package apis

import (
	"strings"
	"testing"
)

// TestSharedServerServesKubectl checks the shared server answers the real
// kubectl, and that a test namespace is usable.
func TestSharedServerServesKubectl(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	c := server(t)
	c.Run("-n", ns, "create", "configmap", "smoke", "--from-literal=a=b")
	out := c.Run("-n", ns, "get", "configmap", "smoke", "-o", "jsonpath={.data.a}")
	if strings.TrimSpace(out) != "b" {
		t.Fatalf("configmap data = %q, want b", out)
	}
}
