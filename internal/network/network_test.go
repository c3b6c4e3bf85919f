package network

import (
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

func TestPodsGetDistinctIPsAndReachEachOther(t *testing.T) {
	e := newEnv(t)
	pid := sandbox(t)
	nsA, err := netns.GetFromPid(pid)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nsA.Close() })
	nsB := newNS(t)

	ipA, err := e.n.Setup("pod-a", pid)
	if err != nil {
		t.Fatalf("Setup a: %v", err)
	}
	ipB, err := e.n.setupNS("pod-b", nsB)
	if err != nil {
		t.Fatalf("Setup b: %v", err)
	}
	_, cidr, _ := net.ParseCIDR(e.cfg.PodCIDR)
	if ipA.Equal(ipB) || !cidr.Contains(ipA) || !cidr.Contains(ipB) || ipA.Equal(e.n.Gateway()) || ipB.Equal(e.n.Gateway()) {
		t.Fatalf("IPs a=%s b=%s gateway=%s: want distinct pod addresses in %s", ipA, ipB, e.n.Gateway(), cidr)
	}

	// Both pods bind the same port: their namespaces are separate.
	serve(t, nsA, ":6379", "a")
	serve(t, nsB, ":6379", "b")
	mustAsk(t, nsA, net.JoinHostPort(ipB.String(), "6379"), "b")
	mustAsk(t, nsB, net.JoinHostPort(ipA.String(), "6379"), "a")
	mustAsk(t, nsA, "127.0.0.1:6379", "a") // lo is up
	mustAsk(t, e.host, net.JoinHostPort(ipA.String(), "6379"), "a")
	mustAsk(t, e.host, net.JoinHostPort(ipB.String(), "6379"), "b")
}

func TestPodNamespaceLayout(t *testing.T) {
	e := newEnv(t)
	ns := newNS(t)
	ip, err := e.n.setupNS("pod-layout", ns)
	if err != nil {
		t.Fatal(err)
	}
	pod, host := handle(t, ns), handle(t, e.host)

	eth0, err := pod.LinkByName("eth0")
	if err != nil || eth0.Attrs().Flags&net.FlagUp == 0 {
		t.Fatalf("pod eth0: %v, %+v", err, eth0)
	}
	addrs, _ := pod.AddrList(eth0, netlink.FAMILY_V4)
	if len(addrs) != 1 || addrs[0].IPNet.String() != ip.String()+"/16" {
		t.Errorf("eth0 addresses %v, want %s/16", addrs, ip)
	}
	if lo, err := pod.LinkByName("lo"); err != nil || lo.Attrs().Flags&net.FlagUp == 0 {
		t.Errorf("pod lo not up: %v", err)
	}
	if !hasDefaultRoute(t, pod, e.n.Gateway()) {
		t.Errorf("no default route via %s in pod", e.n.Gateway())
	}

	veth, err := host.LinkByName(vethName("pod-layout"))
	if err != nil {
		t.Fatalf("host veth: %v", err)
	}
	br, _ := host.LinkByName("ordo0")
	a := veth.Attrs()
	if a.Alias != "pod-layout" || a.MasterIndex != br.Attrs().Index || a.Flags&net.FlagUp == 0 {
		t.Errorf("host veth alias=%q master=%d up=%v; want pod UID, bridge %d, up",
			a.Alias, a.MasterIndex, a.Flags&net.FlagUp != 0, br.Attrs().Index)
	}
}

func hasDefaultRoute(t *testing.T, h *netlink.Handle, gw net.IP) bool {
	routes, err := h.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		if (r.Dst == nil || r.Dst.IP.IsUnspecified()) && r.Gw.Equal(gw) {
			return true
		}
	}
	return false
}

func TestSetupIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ns := newNS(t)
	ip1, err := e.n.setupNS("pod-x", ns)
	if err != nil {
		t.Fatal(err)
	}
	host := handle(t, e.host)
	before, _ := host.LinkByName(vethName("pod-x"))
	ip2, err := e.n.setupNS("pod-x", ns)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := host.LinkByName(vethName("pod-x"))
	if !ip1.Equal(ip2) {
		t.Errorf("second Setup gave %s, first %s", ip2, ip1)
	}
	if before.Attrs().Index != after.Attrs().Index {
		t.Errorf("second Setup recreated the veth (index %d → %d)", before.Attrs().Index, after.Attrs().Index)
	}
	serve(t, ns, ":80", "x")
	mustAsk(t, e.host, ip1.String()+":80", "x")
}

func TestTeardownFreesIPAndVeth(t *testing.T) {
	e := newEnv(t)
	ns := newNS(t)
	ip, err := e.n.setupNS("pod-t", ns)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // idempotent
		if err := e.n.Teardown("pod-t"); err != nil {
			t.Fatalf("Teardown #%d: %v", i+1, err)
		}
	}
	if _, err := handle(t, e.host).LinkByName(vethName("pod-t")); !isNotFound(err) {
		t.Errorf("host veth still there: %v", err)
	}
	if _, err := handle(t, ns).LinkByName("eth0"); !isNotFound(err) {
		t.Errorf("pod eth0 still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.cfg.StateDir, ip.String())); !os.IsNotExist(err) {
		t.Errorf("lease for %s still there: %v", ip, err)
	}
}

func TestSweepRemovesWhatIsNotKept(t *testing.T) {
	e := newEnv(t)
	nss := map[string]netns.NsHandle{}
	for _, uid := range []string{"gone-1", "kept", "gone-2"} {
		nss[uid] = newNS(t)
		if _, err := e.n.setupNS(uid, nss[uid]); err != nil {
			t.Fatal(err)
		}
	}
	// A lease without a veth, and one half written before a crash.
	for name, owner := range map[string]string{"10.42.9.9": "ghost", "10.42.9.10": ""} {
		if err := os.WriteFile(filepath.Join(e.cfg.StateDir, name), []byte(owner), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.n.Sweep(map[string]bool{"kept": true}); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	owners, _ := e.n.ipam.owners()
	if len(owners) != 1 || !owners["kept"] {
		t.Errorf("leases after Sweep held by %v, want only kept", owners)
	}
	host := handle(t, e.host)
	for uid := range nss {
		_, err := host.LinkByName(vethName(uid))
		if (uid == "kept") != (err == nil) {
			t.Errorf("veth of %s after Sweep: %v", uid, err)
		}
	}
}

func TestSetupReplacesLeftovers(t *testing.T) {
	e := newEnv(t)
	ns := newNS(t)
	host, pod := handle(t, e.host), handle(t, ns)
	// A crashed run left an unlabelled veth of the pod's name on the host,
	// and an eth0 in the pod.
	attrs := netlink.NewLinkAttrs()
	attrs.Name = vethName("pod-s")
	if err := host.LinkAdd(&netlink.Veth{LinkAttrs: attrs, PeerName: "leftover"}); err != nil {
		t.Fatal(err)
	}
	attrs = netlink.NewLinkAttrs()
	attrs.Name = "eth0"
	if err := pod.LinkAdd(&netlink.Veth{LinkAttrs: attrs, PeerName: "eth0peer"}); err != nil {
		t.Fatal(err)
	}
	ip, err := e.n.setupNS("pod-s", ns)
	if err != nil {
		t.Fatalf("Setup over leftovers: %v", err)
	}
	if _, err := host.LinkByName("leftover"); !isNotFound(err) {
		t.Errorf("stale host veth pair not deleted: %v", err)
	}
	if _, err := pod.LinkByName("eth0peer"); !isNotFound(err) {
		t.Errorf("stale pod eth0 not deleted: %v", err)
	}
	serve(t, ns, ":80", "s")
	mustAsk(t, e.host, ip.String()+":80", "s")
}

func TestSetupRefusesVethOfAnotherLivePod(t *testing.T) {
	e := newEnv(t)
	if _, err := e.n.setupNS("owner", newNS(t)); err != nil {
		t.Fatal(err)
	}
	// Pretend "intruder" hashes to the owner's veth name.
	host := handle(t, e.host)
	veth, _ := host.LinkByName(vethName("owner"))
	if err := host.LinkSetName(veth, vethName("intruder")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.n.setupNS("intruder", newNS(t)); err == nil {
		t.Fatal("Setup deleted another live pod's veth")
	}
	if _, err := host.LinkByName(vethName("intruder")); err != nil {
		t.Errorf("owner's veth gone: %v", err)
	}
}

func TestSetupRefusesHostNamespace(t *testing.T) {
	e := newEnv(t)
	if _, err := e.n.setupNS("pod-h", e.host); err == nil {
		t.Fatal("Setup plumbed the host namespace as a pod")
	}
	if owners, _ := e.n.ipam.owners(); len(owners) != 0 {
		t.Errorf("leases left: %v", owners)
	}
}

func TestRestartKeepsPodsAndLeases(t *testing.T) {
	e := newEnv(t)
	ns := newNS(t)
	ip, err := e.n.setupNS("pod-r", ns)
	if err != nil {
		t.Fatal(err)
	}
	restarted := e.open() // New over the existing bridge
	again, err := restarted.setupNS("pod-r", ns)
	if err != nil || !again.Equal(ip) {
		t.Fatalf("after restart Setup gave %s, %v; want %s", again, err, ip)
	}
	other, err := restarted.setupNS("pod-r2", newNS(t))
	if err != nil || other.Equal(ip) {
		t.Fatalf("after restart new pod got %s, %v; must differ from %s", other, err, ip)
	}
	host := handle(t, e.host)
	br, _ := host.LinkByName("ordo0")
	addrs, _ := host.AddrList(br, netlink.FAMILY_V4)
	if len(addrs) != 1 || !addrs[0].IP.Equal(e.n.Gateway()) || br.Attrs().Flags&net.FlagUp == 0 {
		t.Errorf("bridge addrs %v up=%v, want only %s and up", addrs, br.Attrs().Flags&net.FlagUp != 0, e.n.Gateway())
	}
	if br.Attrs().HardwareAddr.String() != "02:6f:0a:2a:00:01" {
		t.Errorf("bridge MAC %s, want the fixed 02:6f:0a:2a:00:01", br.Attrs().HardwareAddr)
	}
}

func TestConcurrentSetups(t *testing.T) {
	e := newEnv(t)
	const pods = 8
	nss := make([]netns.NsHandle, pods)
	for i := range nss {
		nss[i] = newNS(t)
	}
	ips := make([]net.IP, pods)
	errs := make([]error, pods)
	var wg sync.WaitGroup
	for i := range pods {
		wg.Go(func() { ips[i], errs[i] = e.n.setupNS("pod-"+string(rune('a'+i)), nss[i]) })
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, ip := range ips {
		if errs[i] != nil {
			t.Fatalf("Setup %d: %v", i, errs[i])
		}
		if seen[ip.String()] {
			t.Fatalf("%s handed out twice", ip)
		}
		seen[ip.String()] = true
	}
}

func TestRemoveDeletesBridgeAndSweepFindsDetachedVeths(t *testing.T) {
	e := newEnv(t)
	if _, err := e.n.setupNS("pod-d", newNS(t)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := e.n.Remove(); err != nil {
			t.Fatalf("Remove #%d: %v", i+1, err)
		}
	}
	host := handle(t, e.host)
	if _, err := host.LinkByName("ordo0"); !isNotFound(err) {
		t.Errorf("bridge still there: %v", err)
	}
	// The pod's veth outlives the bridge, detached; Sweep still knows it.
	if err := e.n.Sweep(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := host.LinkByName(vethName("pod-d")); !isNotFound(err) {
		t.Errorf("detached veth survived Sweep: %v", err)
	}
}

// TestSweepLeavesAnotherBridgesPods: two agents on one host (two bridges in
// one namespace); the second's start-up Sweep must not delete the first's
// pod veths, though they carry ordo's names and aliases.
func TestSweepLeavesAnotherBridgesPods(t *testing.T) {
	e := newEnv(t)
	pod := newNS(t)
	if _, err := e.n.setupNS("first-pod", pod); err != nil {
		t.Fatal(err)
	}
	second, err := newAt(Config{Bridge: "ordo1", PodCIDR: "10.44.0.0/16", StateDir: t.TempDir()}, e.host)
	if err != nil {
		t.Fatal(err)
	}
	defer second.close()
	if err := second.Sweep(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := handle(t, e.host).LinkByName(vethName("first-pod")); err != nil {
		t.Errorf("the second network's Sweep deleted the first one's pod veth: %v", err)
	}
}

// A node that took the whole 10.42.0.0/16 before ranges were allocated per
// node, restarted on its Node's /24: the bridge keeps only the new gateway,
// so other nodes' ranges are not on-link.
func TestNarrowedPodCIDRLeavesOnlyTheNewGateway(t *testing.T) {
	e := newEnv(t)
	e.cfg.PodCIDR = "10.42.0.0/24"
	e.open()
	host := handle(t, e.host)
	br, _ := host.LinkByName("ordo0")
	addrs, _ := host.AddrList(br, netlink.FAMILY_V4)
	if len(addrs) != 1 || addrs[0].IPNet.String() != "10.42.0.1/24" {
		t.Errorf("bridge addresses %v, want only 10.42.0.1/24", addrs)
	}
}
