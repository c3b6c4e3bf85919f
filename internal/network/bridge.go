package network

import (
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// ensureBridge creates the bridge if missing, gives it the gateway address
// and brings it up. Every step is a no-op when already done, so an agent
// restarted over a live bridge leaves running pods untouched.
func (n *Network) ensureBridge() error {
	br, err := n.bridgeLink()
	if isNotFound(err) {
		br, err = n.createBridge()
	}
	if err != nil {
		return err
	}
	gw := n.subnet.ipNet(n.subnet.gateway())
	if err := n.host.AddrReplace(br, &netlink.Addr{IPNet: gw}); err != nil {
		return fmt.Errorf("add gateway %s: %w", gw, err)
	}
	if err := n.dropOtherAddrs(br, gw); err != nil {
		return err
	}
	if err := n.host.LinkSetUp(br); err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	return nil
}

// bridgeLink looks the bridge up and refuses a same-named device of another
// kind rather than plumbing pods into it.
func (n *Network) bridgeLink() (netlink.Link, error) {
	l, err := n.host.LinkByName(n.bridge)
	if err != nil {
		return nil, err
	}
	if l.Type() != "bridge" {
		return nil, fmt.Errorf("%s exists and is a %s, not a bridge", n.bridge, l.Type())
	}
	return l, nil
}

// createBridge adds the bridge with a fixed MAC. Without one the kernel
// gives the bridge the lowest MAC among its ports, so it changes as pods
// come and go and pods' ARP entries for the gateway go stale.
func (n *Network) createBridge() (netlink.Link, error) {
	attrs := netlink.NewLinkAttrs()
	attrs.Name = n.bridge
	attrs.HardwareAddr = bridgeMAC(n.subnet.gateway())
	err := n.host.LinkAdd(&netlink.Bridge{LinkAttrs: attrs})
	if err != nil && !errors.Is(err, unix.EEXIST) { // EEXIST: lost a race, fine
		return nil, fmt.Errorf("create: %w", err)
	}
	return n.bridgeLink()
}

// bridgeMAC derives a locally administered unicast MAC from the gateway
// address, so the same configuration always yields the same MAC.
func bridgeMAC(gw net.IP) net.HardwareAddr {
	ip := gw.To4()
	return net.HardwareAddr{0x02, 0x6f, ip[0], ip[1], ip[2], ip[3]}
}

// dropOtherAddrs deletes the bridge's IPv4 addresses other than gw: the
// gateway of an earlier, other pod range (a node that took the whole
// 10.42.0.0/16 before ranges were allocated per node) would keep a
// connected route to all of it, and other nodes' pods would look local.
func (n *Network) dropOtherAddrs(br netlink.Link, gw *net.IPNet) error {
	addrs, err := n.host.AddrList(br, unix.AF_INET)
	if err != nil {
		return fmt.Errorf("list addresses: %w", err)
	}
	for i := range addrs {
		a := &addrs[i]
		if a.IPNet.String() == gw.String() {
			continue
		}
		if err := n.host.AddrDel(br, a); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			return fmt.Errorf("delete old address %s: %w", a.IPNet, err)
		}
	}
	return nil
}
