package network

import (
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Setup gives the pod whose network namespace is /proc/<pid>/ns/net an IP
// and returns it. Idempotent for the same pod UID (returns the same IP).
func (n *Network) Setup(podUID string, nsPID int) (net.IP, error) {
	if nsPID <= 0 {
		return nil, fmt.Errorf("pod %s: invalid sandbox pid %d", podUID, nsPID)
	}
	ns, err := netns.GetFromPath(fmt.Sprintf("/proc/%d/ns/net", nsPID))
	if err != nil {
		return nil, fmt.Errorf("pod %s: network namespace of pid %d: %w", podUID, nsPID, err)
	}
	defer ns.Close()
	return n.setupNS(podUID, ns)
}

// setupNS is Setup for a namespace handle; tests use it with namespaces no
// process lives in.
func (n *Network) setupNS(podUID string, ns netns.NsHandle) (net.IP, error) {
	if podUID == "" {
		return nil, errors.New("pod UID is required")
	}
	// A sandbox started without CLONE_NEWNET shares the node's namespace;
	// plumbing it would rename an interface and replace the node's default
	// route, so refuse.
	if ns.UniqueId() == n.hostID {
		return nil, fmt.Errorf("pod %s: its network namespace is the node's", podUID)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	ip, fresh, err := n.ipam.allocate(podUID)
	if err != nil {
		return nil, fmt.Errorf("pod %s: allocate IP: %w", podUID, err)
	}
	if err := n.plumb(podUID, ns, ip); err != nil {
		n.undo(podUID, fresh)
		return nil, fmt.Errorf("pod %s: %w", podUID, err)
	}
	return ip, nil
}

// undo cleans up after a failed Setup: the half-made veth goes, and the IP
// too if this call took it (a retry keeps the IP the pod already had).
func (n *Network) undo(podUID string, fresh bool) {
	_ = n.deleteVethOf(podUID)
	if fresh {
		_ = n.ipam.release(podUID)
	}
}

// plumb wires the pod to the bridge unless it already is, so a repeated
// Setup leaves a working pod alone.
func (n *Network) plumb(podUID string, ns netns.NsHandle, ip net.IP) error {
	pod, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink in pod namespace: %w", err)
	}
	defer pod.Close()
	br, err := n.bridgeLink()
	if err != nil {
		return fmt.Errorf("bridge %s: %w", n.bridge, err)
	}
	if n.wired(podUID, br, pod, ip) {
		return nil
	}
	if err := n.clearStale(podUID, pod); err != nil {
		return err
	}
	if err := n.addVeth(podUID, br, ns); err != nil {
		return err
	}
	return configurePod(pod, n.subnet.ipNet(ip), n.subnet.gateway())
}

// Teardown deletes the pod's veth (if still there) and frees its IP.
// Idempotent. The veth is usually gone already: it dies with the pod's
// namespace when the sandbox exits.
func (n *Network) Teardown(podUID string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.deleteVethOf(podUID); err != nil {
		return fmt.Errorf("pod %s: delete veth: %w", podUID, err)
	}
	if err := n.ipam.release(podUID); err != nil {
		return fmt.Errorf("pod %s: release IP: %w", podUID, err)
	}
	return nil
}
