package routes

import (
	"net"
	"net/netip"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// Route is how one other node's pod range is reached.
type Route struct {
	Node string
	// Dst is the node's pod range, NodeIP its InternalIP.
	Dst    netip.Prefix
	NodeIP netip.Addr
	// VXLAN is true when NodeIP is not on a connected subnet: the range is
	// reached through the vxlan device instead of via NodeIP.
	VXLAN bool
}

// Gateway is the next hop: the node's IP (host-gw), or its range's
// network address over the vxlan device, as flannel's vxlan backend.
func (r Route) Gateway() netip.Addr {
	if r.VXLAN {
		return r.Dst.Addr()
	}
	return r.NodeIP
}

// VTEPMAC is a node's vxlan device MAC, derived from its IP.
func VTEPMAC(ip netip.Addr) net.HardwareAddr {
	a := ip.As4()
	return net.HardwareAddr{0x02, 0x76, a[0], a[1], a[2], a[3]}
}

// Local is what this machine has: its own Node's name and range, and its
// interface addresses with their prefix lengths.
type Local struct {
	Node    string
	PodCIDR netip.Prefix
	Addrs   []netip.Prefix
}

// Plan is the routes this node needs to the other Nodes, sorted by range.
// A Node is left out when it has no usable range or InternalIP, when its
// IP is this machine's own (several nodes on one host share its routing
// table: their bridges are connected already), or when its range overlaps
// this node's or an earlier Node's (a route would steal their traffic).
func Plan(l Local, nodes []*corev1.Node) []Route {
	sorted := append([]*corev1.Node(nil), nodes...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var out []Route
	for _, n := range sorted {
		r, ok := routeTo(l, n)
		if !ok || overlapsAny(r.Dst, l.PodCIDR, out) {
			continue
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dst.String() < out[j].Dst.String() })
	return out
}

// routeTo decides the route to n, false when n needs none.
func routeTo(l Local, n *corev1.Node) (Route, bool) {
	if n.Name == l.Node || n.DeletionTimestamp != nil {
		return Route{}, false
	}
	dst, err := netip.ParsePrefix(n.Spec.PodCIDR)
	ip := internalIP(n)
	if err != nil || !dst.Addr().Is4() || !ip.IsValid() || !ip.Is4() {
		return Route{}, false
	}
	r := Route{Node: n.Name, Dst: dst.Masked(), NodeIP: ip, VXLAN: true}
	for _, a := range l.Addrs {
		if a.Addr() == ip {
			return Route{}, false // the same machine
		}
		if a.Bits() < 32 && a.Masked().Contains(ip) {
			r.VXLAN = false
		}
	}
	return r, true
}

func internalIP(n *corev1.Node) netip.Addr {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			ip, err := netip.ParseAddr(a.Address)
			if err == nil {
				return ip
			}
		}
	}
	return netip.Addr{}
}

func overlapsAny(p, own netip.Prefix, taken []Route) bool {
	if own.IsValid() && own.Overlaps(p) {
		return true
	}
	for _, r := range taken {
		if r.Dst.Overlaps(p) {
			return true
		}
	}
	return false
}
