package apiserver

import "testing"

func TestRuntimeHandlersAreOrdoRuncAndTheAliases(t *testing.T) {
	got := runtimeHandlers([]string{"test-handler"})
	for h, want := range map[string]bool{"ordo": true, "runc": true, "test-handler": true, "kata": false, "": false} {
		if got[h] != want {
			t.Errorf("handler %q accepted = %v, want %v", h, got[h], want)
		}
	}
}
