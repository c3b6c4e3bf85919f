package node

import (
	"testing"

	"github.com/ordo-dev/ordo/internal/hostclaim"
)

// The claims of a node name the flag that chooses each resource, and the
// pod CIDR's names the DNS address the node's gateway serves.
func TestClaimsNameTheFlagAndTheGateway(t *testing.T) {
	o := DefaultOptions()
	o.PodCIDR = "10.42.0.0/16"
	got := o.Claims("/var/lib/ordo", "n1")
	want := []hostclaim.Resource{
		{What: "data directory", Name: "/var/lib/ordo", Flag: "--data-dir"},
		{What: "node", Name: "n1", Flag: "--node-name", Detail: "cgroups ordo-n1"},
		{What: "bridge", Name: "ordo0", Flag: "--bridge"},
		{What: "service interface", Name: o.ServiceInterface, Flag: "--service-interface"},
		{What: "pod CIDR", Name: "10.42.0.0/16", Flag: "--pod-cidr", Detail: "cluster DNS 10.42.0.1:53", CIDR: true},
	}
	if len(got) != len(want) {
		t.Fatalf("claims = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("claim %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// Without --pod-cidr the range is the Node's, claimed once known.
func TestClaimsWithoutPodCIDR(t *testing.T) {
	for _, r := range DefaultOptions().Claims("/var/lib/ordo", "n1") {
		if r.What == "pod CIDR" {
			t.Errorf("claim %+v without --pod-cidr", r)
		}
	}
}
