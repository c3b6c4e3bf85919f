package routes

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// newNS is an anonymous network namespace standing in for a node, made on
// a throwaway locked thread, so the machine's own routes are never touched;
// closing it (cleanup) deletes everything in it.
func newNS(t *testing.T) *netlink.Handle {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
	var ns netns.NsHandle
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: netns.New moved this thread
		var err error
		ns, err = netns.New()
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatalf("new netns: %v", err)
	}
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(); ns.Close() })
	return h
}

// ourRoutes lists the namespace's protocol-111 routes as "dst via gw dev".
func ourRoutes(t *testing.T, h *netlink.Handle) map[string]string {
	t.Helper()
	rs, err := h.RouteListFiltered(unix.AF_INET, &netlink.Route{Protocol: Protocol, Table: unix.RT_TABLE_MAIN},
		netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rs {
		l, _ := h.LinkByIndex(r.LinkIndex)
		out[r.Dst.String()] = r.Gw.String() + " " + l.Attrs().Name
	}
	return out
}

func TestApplyHostGatewayAndVXLANThenSweepOnlyOurs(t *testing.T) {
	h := newNS(t)
	eth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth0"}, PeerName: "peer0"}
	if err := h.LinkAdd(eth); err != nil {
		t.Fatal(err)
	}
	addr, _ := netlink.ParseAddr("192.168.1.10/24")
	if err := h.AddrAdd(eth, addr); err != nil {
		t.Fatal(err)
	}
	if err := h.LinkSetUp(eth); err != nil {
		t.Fatal(err)
	}
	// Someone else's route with ordo's protocol number: never ours to delete.
	_, foreign, _ := net.ParseCIDR("10.99.0.0/24")
	if err := h.RouteAdd(&netlink.Route{Dst: foreign, Gw: net.ParseIP("192.168.1.1"), Protocol: Protocol}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fwd := filepath.Join(dir, "ip_forward")
	if err := os.WriteFile(fwd, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	newApplier := func() *Applier {
		return &Applier{h: h, stateFile: filepath.Join(dir, "routes"), device: DefaultDevice,
			nodeIP: netip.MustParseAddr("192.168.1.10"), podCIDR: netip.MustParsePrefix("10.42.0.0/24"), forwarding: fwd}
	}
	hostGW := Route{Node: "b", Dst: netip.MustParsePrefix("10.42.1.0/24"), NodeIP: netip.MustParseAddr("192.168.1.11")}
	vx := Route{Node: "c", Dst: netip.MustParsePrefix("10.42.2.0/24"), NodeIP: netip.MustParseAddr("172.16.5.3"), VXLAN: true}
	a := newApplier()
	if err := a.Apply([]Route{hostGW, vx}); err != nil {
		t.Fatal(err)
	}
	got := ourRoutes(t, h)
	if got["10.42.1.0/24"] != "192.168.1.11 eth0" || got["10.42.2.0/24"] != "10.42.2.0 ordo-vxlan0" || got["10.99.0.0/24"] == "" {
		t.Fatalf("routes %v", got)
	}
	l, err := h.LinkByName(DefaultDevice)
	if err != nil {
		t.Fatal(err)
	}
	v := l.(*netlink.Vxlan)
	if v.VxlanId != 1 || v.Port != 8472 || v.Attrs().HardwareAddr.String() != "02:76:c0:a8:01:0a" || v.Learning || v.Attrs().MTU != 1450 {
		t.Errorf("vxlan device: VNI %d port %d MAC %s learning %v MTU %d", v.VxlanId, v.Port, v.Attrs().HardwareAddr, v.Learning, v.Attrs().MTU)
	}
	if as, _ := h.AddrList(l, unix.AF_INET); len(as) != 1 || as[0].IPNet.String() != "10.42.0.0/32" {
		t.Errorf("vxlan device addresses %v, want 10.42.0.0/32", as)
	}
	checkNeigh(t, h, l.Attrs().Index, unix.AF_INET, "10.42.2.0 02:76:ac:10:05:03")
	checkNeigh(t, h, l.Attrs().Index, unix.AF_BRIDGE, "172.16.5.3 02:76:ac:10:05:03")
	if b, _ := os.ReadFile(fwd); strings.TrimSpace(string(b)) != "1" {
		t.Errorf("ip_forward %q, want 1 once routes exist", b)
	}

	// c leaves: its route and the device go.
	if err := a.Apply([]Route{hostGW}); err != nil {
		t.Fatal(err)
	}
	if got := ourRoutes(t, h); len(got) != 2 || got["10.42.2.0/24"] != "" {
		t.Fatalf("after c left: %v", got)
	}
	if _, err := h.LinkByName(DefaultDevice); err == nil {
		t.Error("the vxlan device outlived its last route")
	}
	// A restarted agent (a new Applier, the state file) removes the rest
	// of its own and leaves the foreign route.
	if err := newApplier().Remove(); err != nil {
		t.Fatal(err)
	}
	if got := ourRoutes(t, h); len(got) != 1 || got["10.99.0.0/24"] == "" {
		t.Fatalf("after Remove: %v, want only the foreign route", got)
	}
}

func checkNeigh(t *testing.T, h *netlink.Handle, idx, family int, want string) {
	t.Helper()
	ns, err := h.NeighList(idx, family)
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, n := range ns {
		e := n.IP.String() + " " + n.HardwareAddr.String()
		if e == want && n.State&netlink.NUD_PERMANENT != 0 {
			return
		}
		have = append(have, e)
	}
	t.Errorf("family %d: no permanent entry %q in %v", family, want, have)
}
