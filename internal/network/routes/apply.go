package routes

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Protocol tags ordo's routes ("proto 111" in `ip route`), so they are
// told apart from everyone else's.
const Protocol netlink.RouteProtocol = 111

// Flannel's vxlan defaults: VNI 1 on the Linux VXLAN port.
const (
	DefaultDevice = "ordo-vxlan0"
	vni           = 1
	vxlanPort     = 8472
	vxlanOverhead = 50
)

// Applier installs a Plan in one network namespace (its netlink handle's).
type Applier struct {
	h *netlink.Handle
	// stateFile lists the ranges this node routed, one a line.
	stateFile string
	device    string
	nodeIP    netip.Addr
	podCIDR   netip.Prefix
	// forwarding is the ip_forward sysctl of the handle's namespace.
	forwarding string
}

// Apply makes the namespace's routes, vxlan device and entries match
// plan: what plan lacks and this node made is deleted.
func (a *Applier) Apply(plan []Route) error {
	owned := a.readState()
	var errs []error
	vx, err := a.vxlanFor(plan)
	if err != nil {
		errs = append(errs, err)
	}
	want := map[netip.Prefix]bool{}
	for _, r := range plan {
		if r.VXLAN && vx == nil {
			continue
		}
		if err := a.install(r, vx); err != nil {
			errs = append(errs, fmt.Errorf("route %s to node %s: %w", r.Dst, r.Node, err))
			continue
		}
		want[r.Dst] = true
		owned[r.Dst] = true
	}
	errs = append(errs, a.deleteStale(owned, want))
	if vx != nil {
		errs = append(errs, a.pruneVXLAN(vx, plan))
	}
	errs = append(errs, a.writeState(want))
	if len(want) > 0 {
		errs = append(errs, a.forward())
	}
	return errors.Join(errs...)
}

// install adds or replaces one route (and for VXLAN its neighbour and FDB
// entries, first, so the route never points at an unknown MAC).
func (a *Applier) install(r Route, vx netlink.Link) error {
	gw := net.IP(r.Gateway().AsSlice())
	route := &netlink.Route{Dst: prefixNet(r.Dst), Gw: gw, Protocol: Protocol, Table: unix.RT_TABLE_MAIN}
	if r.VXLAN {
		mac := VTEPMAC(r.NodeIP)
		idx := vx.Attrs().Index
		if err := a.h.NeighSet(&netlink.Neigh{LinkIndex: idx, State: netlink.NUD_PERMANENT, Type: unix.RTN_UNICAST, IP: gw, HardwareAddr: mac}); err != nil {
			return fmt.Errorf("neighbour %s: %w", gw, err)
		}
		if err := a.h.NeighSet(&netlink.Neigh{LinkIndex: idx, Family: unix.AF_BRIDGE, State: netlink.NUD_PERMANENT, Flags: netlink.NTF_SELF,
			IP: net.IP(r.NodeIP.AsSlice()), HardwareAddr: mac}); err != nil {
			return fmt.Errorf("fdb %s: %w", mac, err)
		}
		route.LinkIndex, route.Flags = idx, int(netlink.FLAG_ONLINK)
	}
	return a.h.RouteReplace(route)
}

// deleteStale deletes routes of ordo's protocol to a range this node made
// (owned) that the plan no longer has.
func (a *Applier) deleteStale(owned, want map[netip.Prefix]bool) error {
	rs, err := a.h.RouteListFiltered(unix.AF_INET, &netlink.Route{Protocol: Protocol, Table: unix.RT_TABLE_MAIN},
		netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
	if err != nil {
		return fmt.Errorf("list routes: %w", err)
	}
	var errs []error
	for i := range rs {
		p, ok := netPrefix(rs[i].Dst)
		if !ok || want[p] || !owned[p] {
			continue
		}
		if err := a.h.RouteDel(&rs[i]); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, fmt.Errorf("delete route %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// vxlanFor is the vxlan device when plan has a VXLAN route (made if
// missing); otherwise nil, and a device left from before is deleted.
func (a *Applier) vxlanFor(plan []Route) (netlink.Link, error) {
	need := false
	for _, r := range plan {
		need = need || r.VXLAN
	}
	if !need {
		return nil, a.deleteDevice()
	}
	l, err := a.ensureVXLAN()
	if err != nil {
		return nil, fmt.Errorf("vxlan device %s: %w", a.device, err)
	}
	return l, nil
}

// ensureVXLAN makes the device on the link holding the node's IP, with
// the node's VTEP MAC and its range's network address as a /32.
func (a *Applier) ensureVXLAN() (netlink.Link, error) {
	l, err := a.h.LinkByName(a.device)
	if err != nil {
		parent, err := a.linkWith(a.nodeIP)
		if err != nil {
			return nil, err
		}
		attrs := netlink.NewLinkAttrs()
		attrs.Name, attrs.HardwareAddr = a.device, VTEPMAC(a.nodeIP)
		attrs.MTU = parent.Attrs().MTU - vxlanOverhead
		vx := &netlink.Vxlan{LinkAttrs: attrs, VxlanId: vni, VtepDevIndex: parent.Attrs().Index,
			SrcAddr: net.IP(a.nodeIP.AsSlice()), Port: vxlanPort}
		if err := a.h.LinkAdd(vx); err != nil && !errors.Is(err, unix.EEXIST) {
			return nil, err
		}
		if l, err = a.h.LinkByName(a.device); err != nil {
			return nil, err
		}
	}
	if l.Type() != "vxlan" {
		return nil, fmt.Errorf("%s exists and is a %s, not a vxlan device", a.device, l.Type())
	}
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: net.IP(a.podCIDR.Masked().Addr().AsSlice()), Mask: net.CIDRMask(32, 32)}}
	if err := a.h.AddrReplace(l, addr); err != nil {
		return nil, fmt.Errorf("address %s: %w", addr.IPNet, err)
	}
	return l, a.h.LinkSetUp(l)
}

// linkWith is the link holding ip.
func (a *Applier) linkWith(ip netip.Addr) (netlink.Link, error) {
	addrs, err := a.h.AddrList(nil, unix.AF_INET)
	if err != nil {
		return nil, err
	}
	for _, ad := range addrs {
		if got, ok := netip.AddrFromSlice(ad.IP.To4()); ok && got == ip {
			return a.h.LinkByIndex(ad.LinkIndex)
		}
	}
	return nil, fmt.Errorf("no interface holds the node's IP %s", ip)
}

// pruneVXLAN deletes the device's neighbour and FDB entries of nodes the
// plan no longer reaches through it.
func (a *Applier) pruneVXLAN(vx netlink.Link, plan []Route) error {
	gws, macs := map[string]bool{}, map[string]bool{}
	for _, r := range plan {
		if r.VXLAN {
			gws[r.Gateway().String()] = true
			macs[VTEPMAC(r.NodeIP).String()] = true
		}
	}
	var errs []error
	for _, fam := range []int{unix.AF_INET, unix.AF_BRIDGE} {
		ns, err := a.h.NeighList(vx.Attrs().Index, fam)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for i := range ns {
			n := &ns[i]
			keep := (fam == unix.AF_INET && gws[n.IP.String()]) || (fam == unix.AF_BRIDGE && (macs[n.HardwareAddr.String()] || n.State&netlink.NUD_PERMANENT == 0))
			if !keep {
				if err := a.h.NeighDel(n); err != nil && !errors.Is(err, unix.ENOENT) {
					errs = append(errs, fmt.Errorf("delete neighbour %s: %w", n.IP, err))
				}
			}
		}
	}
	return errors.Join(errs...)
}

func (a *Applier) deleteDevice() error {
	l, err := a.h.LinkByName(a.device)
	if err != nil {
		return nil // none
	}
	if l.Type() != "vxlan" {
		return nil // not ours
	}
	return a.h.LinkDel(l)
}

// Remove deletes every route this node made and its vxlan device (the
// agent's stop with --stop-pods-on-exit).
func (a *Applier) Remove() error {
	return a.Apply(nil)
}

// forward turns IP forwarding on: the node forwards between its bridge
// and the other nodes.
func (a *Applier) forward() error {
	b, err := os.ReadFile(a.forwarding)
	if err == nil && strings.TrimSpace(string(b)) == "1" {
		return nil
	}
	if err := os.WriteFile(a.forwarding, []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("turn IP forwarding on: %w", err)
	}
	return nil
}

func (a *Applier) readState() map[netip.Prefix]bool {
	out := map[netip.Prefix]bool{}
	b, _ := os.ReadFile(a.stateFile)
	for _, line := range strings.Fields(string(b)) {
		if p, err := netip.ParsePrefix(line); err == nil {
			out[p] = true
		}
	}
	return out
}

// writeState records the ranges routed now, replacing the file at once.
func (a *Applier) writeState(want map[netip.Prefix]bool) error {
	var b strings.Builder
	for p := range want {
		b.WriteString(p.String() + "\n")
	}
	if err := os.MkdirAll(filepath.Dir(a.stateFile), 0o700); err != nil {
		return err
	}
	tmp := a.stateFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, a.stateFile)
}

func prefixNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), 32)}
}

func netPrefix(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil {
		return netip.Prefix{}, false
	}
	a, ok := netip.AddrFromSlice(n.IP.To4())
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a, ones), ok
}

// localAddrs are the namespace's IPv4 addresses with their prefixes.
func localAddrs(h *netlink.Handle) ([]netip.Prefix, error) {
	addrs, err := h.AddrList(nil, unix.AF_INET)
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, ad := range addrs {
		ip, ok := netip.AddrFromSlice(ad.IP.To4())
		if !ok || ip.IsLoopback() {
			continue
		}
		ones, _ := ad.Mask.Size()
		out = append(out, netip.PrefixFrom(ip, ones))
	}
	return out, nil
}
