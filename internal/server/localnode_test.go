package server

import "testing"

// A server of a cluster publishes its agent on the machine's address, so
// that the other servers can reach its pods' exec and logs; a lone server
// keeps it on loopback.
func TestLocalAgentListen(t *testing.T) {
	if got := localAgentListen(false, "10.250.3.2"); got != "127.0.0.1:0" {
		t.Errorf("lone server: %q, want 127.0.0.1:0", got)
	}
	if got := localAgentListen(true, "10.250.3.2"); got != "10.250.3.2:0" {
		t.Errorf("clustered server: %q, want 10.250.3.2:0", got)
	}
}
