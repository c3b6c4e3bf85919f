package proxy

import (
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// alias marks the interface as ordo's: only such a link is ever deleted.
const alias = "ordo service proxy"

// DefaultInterface holds the ClusterIPs of the default node.
const DefaultInterface = "ordo-svc0"

// resetInterface deletes a leftover interface of ours (and with it every
// address of an earlier run) and makes a fresh one, up.
func resetInterface(h *netlink.Handle, name string) (netlink.Link, error) {
	if err := removeInterface(h, name); err != nil {
		return nil, err
	}
	attrs := netlink.NewLinkAttrs()
	attrs.Name = name
	err := h.LinkAdd(&netlink.Dummy{LinkAttrs: attrs})
	if errors.Is(err, unix.EOPNOTSUPP) {
		// No dummy driver: an empty bridge holds local addresses as well.
		err = h.LinkAdd(&netlink.Bridge{LinkAttrs: attrs})
	}
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	l, err := h.LinkByName(name)
	if err == nil {
		err = h.LinkSetAlias(l, alias)
	}
	if err == nil {
		err = h.LinkSetUp(l)
	}
	if err != nil {
		_ = h.LinkDel(&netlink.Dummy{LinkAttrs: attrs})
		return nil, fmt.Errorf("set up %s: %w", name, err)
	}
	return l, nil
}

// removeInterface deletes the interface if it exists and is ours; a
// foreign link of that name is an error, never deleted.
func removeInterface(h *netlink.Handle, name string) error {
	l, err := h.LinkByName(name)
	var nf netlink.LinkNotFoundError
	if errors.As(err, &nf) {
		return nil
	}
	if err != nil {
		return err
	}
	if l.Attrs().Alias != alias {
		return fmt.Errorf("%s exists and is not ordo's service interface (alias %q)", name, l.Attrs().Alias)
	}
	if err := h.LinkDel(l); err != nil && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// syncAddresses makes the link hold exactly the /32s of want.
func syncAddresses(h *netlink.Handle, l netlink.Link, want map[string]bool) error {
	have, err := h.AddrList(l, netlink.FAMILY_V4)
	if err != nil {
		return err
	}
	var errs []error
	held := map[string]bool{}
	for _, a := range have {
		ip := a.IP.String()
		if want[ip] {
			held[ip] = true
			continue
		}
		if err := h.AddrDel(l, &a); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", ip, err))
		}
	}
	for ip := range want {
		if held[ip] {
			continue
		}
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: net.ParseIP(ip).To4(), Mask: net.CIDRMask(32, 32)}}
		if err := h.AddrReplace(l, addr); err != nil {
			errs = append(errs, fmt.Errorf("add %s: %w", ip, err))
		}
	}
	return errors.Join(errs...)
}
