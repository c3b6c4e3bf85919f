package apiserver

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsPointDown keeps the API server from linking the layers below
// or beside it (DESIGN.md, practice 12): not the agent and its cgo
// runtime, not the pod network, not a controller. Names they share live
// in internal/wellknown.
func TestImportsPointDown(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{"/internal/agent", "/internal/runtime", "/internal/network", "/internal/controller"}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.Contains(dep, "github.com/ordo-dev/ordo"+f) {
				t.Errorf("the API server links %s", dep)
			}
		}
	}
}
