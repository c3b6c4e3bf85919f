package routes

import (
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// nsWithHandle is newNS that also returns the namespace.
func nsWithHandle(t *testing.T) (netns.NsHandle, *netlink.Handle) {
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
		t.Fatal(err)
	}
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(); ns.Close() })
	return ns, h
}

// inNS runs fn on a throwaway locked thread inside ns.
func inNS(ns netns.NsHandle, fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := netns.Set(ns); err != nil {
			done <- err
			return
		}
		done <- fn()
	}()
	return <-done
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// vethTo makes a veth pair in h's namespace, moves the peer to other's,
// gives both ends their addresses and brings them up.
func vethTo(t *testing.T, h *netlink.Handle, name, addr string, other netns.NsHandle, oh *netlink.Handle, peer, peerAddr string) {
	t.Helper()
	must(t, h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: name}, PeerName: peer}))
	p, err := h.LinkByName(peer)
	must(t, err)
	must(t, h.LinkSetNsFd(p, int(other)))
	for _, e := range []struct {
		h          *netlink.Handle
		name, addr string
	}{{h, name, addr}, {oh, peer, peerAddr}} {
		l, err := e.h.LinkByName(e.name)
		must(t, err)
		a, _ := netlink.ParseAddr(e.addr)
		must(t, e.h.AddrAdd(l, a))
		must(t, e.h.LinkSetUp(l))
	}
}

// TestVXLANCarriesPodTrafficBetweenNodes: two node namespaces on one link,
// each with a pod namespace behind it, routed to each other only through
// the Applier's VXLAN plan: a pod on one connects to the pod on the other.
func TestVXLANCarriesPodTrafficBetweenNodes(t *testing.T) {
	nsA, hA := nsWithHandle(t)
	nsB, hB := nsWithHandle(t)
	podA, hpA := nsWithHandle(t)
	podB, hpB := nsWithHandle(t)
	vethTo(t, hA, "eth0", "10.0.0.1/24", nsB, hB, "eth1", "10.0.0.2/24")
	vethTo(t, hA, "pod0", "10.42.1.1/24", podA, hpA, "eth0p", "10.42.1.2/24")
	vethTo(t, hB, "pod0", "10.42.2.1/24", podB, hpB, "eth0p", "10.42.2.2/24")
	for _, p := range []struct {
		h  *netlink.Handle
		gw string
	}{{hpA, "10.42.1.1"}, {hpB, "10.42.2.1"}} {
		must(t, p.h.RouteAdd(&netlink.Route{Dst: &net.IPNet{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}, Gw: net.ParseIP(p.gw)}))
	}
	dir := t.TempDir()
	nodes := []struct {
		ns      netns.NsHandle
		h       *netlink.Handle
		ip, cdr string
		peer    Route
	}{
		{nsA, hA, "10.0.0.1", "10.42.1.0/24", Route{Node: "b", Dst: netip.MustParsePrefix("10.42.2.0/24"), NodeIP: netip.MustParseAddr("10.0.0.2"), VXLAN: true}},
		{nsB, hB, "10.0.0.2", "10.42.2.0/24", Route{Node: "a", Dst: netip.MustParsePrefix("10.42.1.0/24"), NodeIP: netip.MustParseAddr("10.0.0.1"), VXLAN: true}},
	}
	for i, n := range nodes {
		// The real ip_forward of the node's namespace, written from inside it.
		must(t, inNS(n.ns, func() error { return os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644) }))
		a := &Applier{h: n.h, stateFile: filepath.Join(dir, string(rune('a'+i))), device: DefaultDevice,
			nodeIP: netip.MustParseAddr(n.ip), podCIDR: netip.MustParsePrefix(n.cdr), forwarding: filepath.Join(dir, "fwd")}
		must(t, a.Apply([]Route{n.peer}))
	}

	ln := make(chan net.Listener, 1)
	must(t, inNS(podB, func() error {
		l, err := net.Listen("tcp", "10.42.2.2:9000")
		ln <- l
		return err
	}))
	l := <-ln
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			_, _ = io.Copy(c, c)
			c.Close()
		}
	}()
	must(t, inNS(podA, func() error {
		c, err := net.DialTimeout("tcp", "10.42.2.2:9000", 5*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("over vxlan")); err != nil {
			return err
		}
		buf := make([]byte, 10)
		if _, err := io.ReadFull(c, buf); err != nil {
			return err
		}
		if string(buf) != "over vxlan" {
			t.Errorf("echo %q", buf)
		}
		return nil
	}))
}
