package network

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// podIfName is the pod end of the veth, as inside a Kubernetes pod.
const podIfName = "eth0"

// vethName is the host end's name: deterministic, so a restarted agent finds
// a pod's veth without state, and short enough for IFNAMSIZ.
func vethName(podUID string) string {
	sum := sha256.Sum256([]byte(podUID))
	return "veth" + hex.EncodeToString(sum[:4])
}

// isOurVeth reports whether l is a veth created for some pod by this
// network: it sits on our bridge, or it is on no bridge and its name is the
// one derived from its alias (a veth left detached when the bridge was
// removed). A pod veth on another bridge belongs to another ordo on this
// host (another server or agent) and is never ours, however it is named.
func (n *Network) isOurVeth(l netlink.Link, br netlink.Link) bool {
	a := l.Attrs()
	if l.Type() != "veth" {
		return false
	}
	onBridge := br != nil && a.MasterIndex == br.Attrs().Index
	detached := a.MasterIndex == 0 && a.Alias != "" && a.Name == vethName(a.Alias)
	return onBridge || detached
}

// wired reports whether the pod is already plumbed: its host veth is on the
// bridge and up, and is paired with an eth0 in ns that holds ip.
func (n *Network) wired(podUID string, br netlink.Link, pod *netlink.Handle, ip net.IP) bool {
	host, err := n.host.LinkByName(vethName(podUID))
	if err != nil {
		return false
	}
	eth0, err := pod.LinkByName(podIfName)
	if err != nil {
		return false
	}
	h, p := host.Attrs(), eth0.Attrs()
	if h.Alias != podUID || h.MasterIndex != br.Attrs().Index || h.Flags&net.FlagUp == 0 ||
		h.ParentIndex != p.Index || p.ParentIndex != h.Index || p.Flags&net.FlagUp == 0 {
		return false
	}
	addrs, err := pod.AddrList(eth0, netlink.FAMILY_V4)
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if a.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// clearStale removes what a crashed or half-finished Setup left behind: a
// host veth of the pod's name and an eth0 in the pod's namespace. A veth of
// that name belonging to another live pod (a hash collision) is an error,
// not something to delete.
func (n *Network) clearStale(podUID string, pod *netlink.Handle) error {
	if err := deleteLinkNamed(pod, podIfName); err != nil {
		return fmt.Errorf("delete stale %s in pod: %w", podIfName, err)
	}
	l, err := n.host.LinkByName(vethName(podUID))
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if owner := l.Attrs().Alias; owner != podUID && owner != "" {
		owners, err := n.ipam.owners()
		if err != nil {
			return err
		}
		if owners[owner] || l.Type() != "veth" {
			return fmt.Errorf("%s is in use by pod %s", l.Attrs().Name, owner)
		}
	}
	return deleteLink(n.host, l)
}

// addVeth creates the pair with its pod end born in the pod's namespace as
// eth0 (no rename or move step to fail half way), labels the host end with
// the pod UID, attaches it to the bridge and brings it up.
func (n *Network) addVeth(podUID string, br netlink.Link, ns netns.NsHandle) error {
	attrs := netlink.NewLinkAttrs()
	attrs.Name = vethName(podUID)
	attrs.MTU = br.Attrs().MTU
	v := &netlink.Veth{LinkAttrs: attrs, PeerName: podIfName, PeerNamespace: netlink.NsFd(ns)}
	if err := n.host.LinkAdd(v); err != nil {
		return fmt.Errorf("create veth %s: %w", attrs.Name, err)
	}
	steps := []struct {
		what string
		do   func() error
	}{
		{"label", func() error { return n.host.LinkSetAlias(v, podUID) }},
		{"attach", func() error { return n.host.LinkSetMaster(v, br) }},
		{"set up", func() error { return n.host.LinkSetUp(v) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("%s veth %s: %w", s.what, attrs.Name, err)
		}
	}
	return nil
}

// configurePod brings lo and eth0 up inside the pod, gives eth0 its address
// and routes everything via the gateway. eth0 must be up before the route:
// the kernel refuses a gateway on a down device.
func configurePod(pod *netlink.Handle, addr *net.IPNet, gw net.IP) error {
	lo, err := pod.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("pod lo: %w", err)
	}
	if err := pod.LinkSetUp(lo); err != nil {
		return fmt.Errorf("set up pod lo: %w", err)
	}
	eth0, err := pod.LinkByName(podIfName)
	if err != nil {
		return fmt.Errorf("pod %s: %w", podIfName, err)
	}
	if err := pod.AddrReplace(eth0, &netlink.Addr{IPNet: addr}); err != nil {
		return fmt.Errorf("address %s on pod %s: %w", addr, podIfName, err)
	}
	if err := pod.LinkSetUp(eth0); err != nil {
		return fmt.Errorf("set up pod %s: %w", podIfName, err)
	}
	route := &netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: gw}
	if err := pod.RouteReplace(route); err != nil {
		return fmt.Errorf("default route via %s: %w", gw, err)
	}
	return nil
}

// deleteVethOf deletes the pod's host veth if it is the pod's (labelled
// with its UID, or unlabelled on our bridge after a crash mid-Setup).
func (n *Network) deleteVethOf(podUID string) error {
	l, err := n.host.LinkByName(vethName(podUID))
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	alias := l.Attrs().Alias
	br, _ := n.host.LinkByName(n.bridge)
	if alias == podUID || (alias == "" && n.isOurVeth(l, br)) {
		return deleteLink(n.host, l)
	}
	return nil
}
