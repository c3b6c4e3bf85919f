package network

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Config says which bridge and address range the node's pods use.
type Config struct {
	Bridge   string // "ordo0"
	PodCIDR  string // "10.42.0.0/16"
	StateDir string // where IP allocations are persisted (one file per allocated IP, content = pod UID), so a restarted agent keeps them
}

// Defaults used when a Config field is empty.
const (
	DefaultBridge  = "ordo0"
	DefaultPodCIDR = "10.42.0.0/16"
)

// Network plumbs pods into the bridge of the network namespace it was
// created in (the "host" namespace). All host-side changes go through one
// netlink handle bound to that namespace, so they land there whichever OS
// thread the calling goroutine happens to run on.
type Network struct {
	bridge string
	subnet subnet
	ipam   *ipam
	host   *netlink.Handle
	hostID string // unique id of the host namespace, to refuse plumbing it as a pod

	// mu serializes Setup, Teardown and Sweep. Plumbing a pod takes a few
	// milliseconds; doing one at a time rules out two calls for the same pod
	// (or a Sweep) racing over its veth without a lock per pod.
	mu sync.Mutex
}

// New ensures the bridge exists with the gateway address and is up
// (idempotent; safe if it already exists from an earlier run).
func New(c Config) (*Network, error) {
	// Pin the thread so the namespace we record is the one the handle opens in.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ns, err := netns.Get()
	if err != nil {
		return nil, fmt.Errorf("current network namespace: %w", err)
	}
	defer ns.Close()
	return newAt(c, ns)
}

// newAt is New for an explicit host namespace; tests pass a throwaway one.
func newAt(c Config, hostNS netns.NsHandle) (*Network, error) {
	c = withDefaults(c)
	if len(c.Bridge) > unix.IFNAMSIZ-1 {
		return nil, fmt.Errorf("bridge name %q is longer than %d bytes", c.Bridge, unix.IFNAMSIZ-1)
	}
	s, err := parseSubnet(c.PodCIDR)
	if err != nil {
		return nil, err
	}
	a, err := newIPAM(c.StateDir, s)
	if err != nil {
		return nil, fmt.Errorf("pod IP state: %w", err)
	}
	h, err := netlink.NewHandleAt(hostNS, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink: %w", err)
	}
	n := &Network{bridge: c.Bridge, subnet: s, ipam: a, host: h, hostID: hostNS.UniqueId()}
	if err := n.ensureBridge(); err != nil {
		h.Close()
		return nil, fmt.Errorf("bridge %s: %w", c.Bridge, err)
	}
	return n, nil
}

func withDefaults(c Config) Config {
	if c.Bridge == "" {
		c.Bridge = DefaultBridge
	}
	if c.PodCIDR == "" {
		c.PodCIDR = DefaultPodCIDR
	}
	return c
}

// Gateway is the bridge address pods route through.
func (n *Network) Gateway() net.IP { return n.subnet.gateway() }

// Remove deletes the bridge (used by tests and by `ordo server` cleanup when
// asked). Pods' veths stay but are detached; leases are kept.
func (n *Network) Remove() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	err := deleteLinkNamed(n.host, n.bridge)
	if err != nil {
		return fmt.Errorf("delete bridge %s: %w", n.bridge, err)
	}
	return nil
}

// close releases the netlink socket; the exported API has no Close because
// the agent keeps its Network for its whole life.
func (n *Network) close() { n.host.Close() }

// deleteLinkNamed deletes a link if it exists.
func deleteLinkNamed(h *netlink.Handle, name string) error {
	l, err := h.LinkByName(name)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return deleteLink(h, l)
}

// deleteLink deletes l; one already gone counts as deleted.
func deleteLink(h *netlink.Handle, l netlink.Link) error {
	err := h.LinkDel(l)
	if err == nil || isNotFound(err) || errors.Is(err, unix.ENODEV) {
		return nil
	}
	return err
}

func isNotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf)
}
