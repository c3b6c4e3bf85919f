package routes

import (
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testNode(name, cidr, ip string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{PodCIDR: cidr}}
	if ip != "" {
		n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: name}, {Type: corev1.NodeInternalIP, Address: ip}}
	}
	return n
}

func TestPlanChoosesHostGatewayOnASharedLinkAndVXLANOtherwise(t *testing.T) {
	l := Local{Node: "a", PodCIDR: netip.MustParsePrefix("10.42.0.0/24"), Addrs: []netip.Prefix{
		netip.MustParsePrefix("192.168.1.10/24"), // eth0
		netip.MustParsePrefix("10.42.0.1/24"),    // the pod bridge
		netip.MustParsePrefix("10.43.0.10/32"),   // a ClusterIP on the service interface
	}}
	gone := testNode("gone", "10.42.9.0/24", "192.168.1.19")
	gone.DeletionTimestamp = &metav1.Time{}
	nodes := []*corev1.Node{
		testNode("a", "10.42.0.0/24", "192.168.1.10"), // itself
		testNode("b", "10.42.1.0/24", "192.168.1.11"), // same link: host-gw
		testNode("c", "10.42.2.0/24", "172.16.5.3"),   // elsewhere: VXLAN
		testNode("d", "", "192.168.1.12"),             // no range yet
		testNode("e", "10.42.4.0/24", ""),             // no InternalIP yet
		testNode("f", "10.42.5.0/24", "10.43.0.10"),   // an address of this machine: same host
		testNode("g", "10.42.0.0/25", "192.168.1.13"), // overlaps this node's range
		testNode("h", "10.42.1.0/24", "192.168.1.14"), // overlaps b's (b sorts first)
		testNode("i", "10.42.6.7/24", "192.168.1.15"), // host bits ignored
		testNode("j", "fd00::/64", "192.168.1.16"),    // IPv6: not supported
		testNode("k", "10.42.8.0/24", "not-an-ip"),    // bad address
		gone, // being deleted
	}
	got := Plan(l, nodes)
	want := []Route{
		{Node: "b", Dst: netip.MustParsePrefix("10.42.1.0/24"), NodeIP: netip.MustParseAddr("192.168.1.11")},
		{Node: "c", Dst: netip.MustParsePrefix("10.42.2.0/24"), NodeIP: netip.MustParseAddr("172.16.5.3"), VXLAN: true},
		{Node: "i", Dst: netip.MustParsePrefix("10.42.6.0/24"), NodeIP: netip.MustParseAddr("192.168.1.15")},
	}
	if !equal(got, want) {
		t.Fatalf("Plan =\n%+v\nwant\n%+v", got, want)
	}
	if gw := got[0].Gateway(); gw != netip.MustParseAddr("192.168.1.11") {
		t.Errorf("host-gw gateway %s, want the node's IP", gw)
	}
	if gw := got[1].Gateway(); gw != netip.MustParseAddr("10.42.2.0") {
		t.Errorf("vxlan gateway %s, want the range's network address (flannel's)", gw)
	}
	if mac := VTEPMAC(got[1].NodeIP).String(); mac != "02:76:ac:10:05:03" {
		t.Errorf("VTEP MAC %s", mac)
	}
}

func TestPlanOfALoneNodeIsEmpty(t *testing.T) {
	l := Local{Node: "a", PodCIDR: netip.MustParsePrefix("10.42.0.0/24"), Addrs: []netip.Prefix{netip.MustParsePrefix("192.168.1.10/24")}}
	if got := Plan(l, []*corev1.Node{testNode("a", "10.42.0.0/24", "192.168.1.10")}); len(got) != 0 {
		t.Fatalf("Plan = %+v, want none", got)
	}
}
