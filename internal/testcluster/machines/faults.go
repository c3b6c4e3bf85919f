package machines

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// ErrNoNetem is Delay's error on a kernel without the netem queueing
// discipline (sch_netem); a test that needs delay skips on it.
var ErrNoNetem = errors.New("the kernel has no netem queueing discipline (sch_netem), so traffic cannot be delayed")

// CutLink cuts the machine off the lab: the host end of its veth goes down,
// so nothing reaches it or leaves it, while inside the machine every
// address, route and connection stays as it was (as a pulled cable or a
// dead switch port). Its processes keep running.
func (m *Machine) CutLink() error {
	if err := m.setLink(false); err != nil {
		return fmt.Errorf("test machine %s: cut link: %w", m.Name, err)
	}
	return nil
}

// RestoreLink puts the machine back on the lab after CutLink.
func (m *Machine) RestoreLink() error {
	if err := m.setLink(true); err != nil {
		return fmt.Errorf("test machine %s: restore link: %w", m.Name, err)
	}
	return nil
}

func (m *Machine) setLink(up bool) error {
	link, err := netlink.LinkByName(m.HostVeth)
	if err != nil {
		return err
	}
	if up {
		return netlink.LinkSetUp(link)
	}
	return netlink.LinkSetDown(link)
}

// Delay makes every packet to and from the machine wait d more (netem on
// both ends of its veth), so a round trip to it takes 2d more; 0 removes
// the delay. It returns an error wrapping ErrNoNetem when the kernel
// cannot delay traffic.
func (m *Machine) Delay(d time.Duration) error {
	ns, err := netns.GetFromName(m.Netns)
	if err != nil {
		return err
	}
	defer ns.Close()
	inside, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer inside.Close()
	host, err := netlink.NewHandle()
	if err != nil {
		return err
	}
	defer host.Close()
	for _, end := range []struct {
		h    *netlink.Handle
		name string
	}{{host, m.HostVeth}, {inside, "eth0"}} {
		if err := delayLink(end.h, end.name, d); err != nil {
			return fmt.Errorf("test machine %s: delay on %s: %w", m.Name, end.name, err)
		}
	}
	return nil
}

// delayLink replaces the root queueing discipline of the link with netem
// delaying by d, or with the default again when d is 0.
func delayLink(h *netlink.Handle, name string, d time.Duration) error {
	link, err := h.LinkByName(name)
	if err != nil {
		return err
	}
	attrs := netlink.QdiscAttrs{LinkIndex: link.Attrs().Index, Handle: netlink.MakeHandle(1, 0), Parent: netlink.HANDLE_ROOT}
	netem := netlink.NewNetem(attrs, netlink.NetemQdiscAttrs{Latency: uint32(d.Microseconds())})
	if d == 0 {
		if err := h.QdiscDel(netem); err != nil && !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.EINVAL) {
			return err
		}
		return nil
	}
	if err := h.QdiscReplace(netem); err != nil {
		if errors.Is(err, syscall.ENOENT) {
			return fmt.Errorf("%w: %v", ErrNoNetem, err)
		}
		return err
	}
	return nil
}

// Kill9 kills the machine's ordo process with SIGKILL and waits; its pods
// live on in their shims, as after a crash of ordo. Restart it with
// Server.Restart or Agent.Restart.
func (m *Machine) Kill9() {
	switch {
	case m.Server != nil:
		m.Server.Kill9()
	case m.Agent != nil:
		m.Agent.Kill9()
	}
}

// KillAll kills every process of the machine with SIGKILL, ordo and its
// pods' shims (whose death kills the pods), as a machine losing power, and
// waits until they are gone. Its namespaces, addresses and files stay, for
// a restart of ordo.
func (m *Machine) KillAll() error {
	m.Kill9()
	if left := m.killProcesses(); len(left) > 0 {
		return fmt.Errorf("test machine %s: processes %v outlived SIGKILL", m.Name, left)
	}
	return nil
}
