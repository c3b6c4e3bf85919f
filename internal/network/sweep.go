package network

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"
)

// Sweep tears down every allocation and host-side veth whose pod UID is not
// in keep (an agent restart after a crash).
func (n *Network) Sweep(keep map[string]bool) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	vethErr := n.sweepVeths(keep)
	leaseErr := n.ipam.releaseIf(func(owner string) bool { return !keep[owner] })
	if leaseErr != nil {
		leaseErr = fmt.Errorf("release leases: %w", leaseErr)
	}
	return errors.Join(vethErr, leaseErr)
}

// sweepVeths deletes ordo's veths whose alias (pod UID) is not kept. An
// unlabelled veth on the bridge is the remains of a crashed Setup and goes
// too.
func (n *Network) sweepVeths(keep map[string]bool) error {
	links, err := n.listLinks()
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	br, _ := n.host.LinkByName(n.bridge)
	var errs []error
	for _, l := range links {
		if !n.isOurVeth(l, br) || keep[l.Attrs().Alias] {
			continue
		}
		if err := deleteLink(n.host, l); err != nil {
			errs = append(errs, fmt.Errorf("delete %s: %w", l.Attrs().Name, err))
		}
	}
	return errors.Join(errs...)
}

// listLinks dumps the host's links, retrying a dump the kernel interrupted
// because links changed under it: a partial list could hide a stale veth.
func (n *Network) listLinks() ([]netlink.Link, error) {
	var err error
	for range 5 {
		var links []netlink.Link
		links, err = n.host.LinkList()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			return links, err
		}
	}
	return nil, err
}
