package machines

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"

	"github.com/ordo-dev/ordo/internal/hostclaim"
	"github.com/ordo-dev/ordo/internal/testcluster"
	"github.com/vishvananda/netlink"
)

// labRanges is how many /24s labs choose from: 10.250.0.0/24 to
// 10.254.255.0/24, clear of test servers' pod ranges (10.100-10.249/16),
// their Service ranges (172.16-31) and ordo's defaults (10.42/16, 10.43/16).
const labRanges = 5 * 256

// attempts bounds how often Open picks another lab ID when the one it chose
// is held by another lab (another test, package or checkout).
const attempts = 5

// Lab is a test bridge with a private /24 and the machines on it.
type Lab struct {
	// ID names the lab's bridge, and prefixes its network namespaces and
	// veths: "olab" and a port that was free when the lab was made.
	ID string
	// Bin is the ordo binary the machines run.
	Bin string
	// Dir holds a directory per machine.
	Dir string
	// Network is the lab's /24; Gateway, its first address, is the
	// bridge's (the host's address on the lab) and every machine's
	// default route.
	Network *net.IPNet
	Gateway net.IP

	port     int
	claims   *hostclaim.Claims
	machines []*Machine
}

// Open makes a lab whose machines run the ordo binary bin and keep their
// files under dir: it claims a lab ID and /24 (hostclaim, so labs of
// parallel tests, benchmarks and other checkouts never share one) and
// makes the bridge. Close undoes it. What labs of dead processes left is
// removed first. It needs root, ip, nsenter and unshare (Requirements).
func Open(bin, dir string) (*Lab, error) {
	if err := Requirements(); err != nil {
		return nil, err
	}
	sweepStale()
	l := &Lab{Bin: bin, Dir: dir}
	var err error
	for attempt := 1; attempt <= attempts; attempt++ {
		if err = l.claim(); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("test lab: %w", err)
	}
	if err := l.makeBridge(); err != nil {
		return nil, errors.Join(fmt.Errorf("test lab %s: %w", l.ID, err), l.Close())
	}
	return l, nil
}

// Requirements says what the host lacks for a lab: root, ip, nsenter,
// unshare (hack/install-test-deps.sh installs the tools).
func Requirements() error {
	if os.Geteuid() != 0 {
		return errors.New("test machines need root for network and mount namespaces")
	}
	for _, tool := range []string{"ip", "nsenter", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("test machines need %s (hack/install-test-deps.sh installs it)", tool)
		}
	}
	return nil
}

// claim picks a lab ID and /24 from a free port and claims both
// machine-wide; the range must also meet no address or route of the host.
func (l *Lab) claim() error {
	port, err := testcluster.FreePort()
	if err != nil {
		return err
	}
	i := port % labRanges
	network := &net.IPNet{IP: net.IPv4(10, byte(250+i/256), byte(i%256), 0).To4(), Mask: net.CIDRMask(24, 32)}
	id := fmt.Sprintf("olab%d", port)
	if err := hostUses(network); err != nil {
		return err
	}
	claims, err := hostclaim.Take(hostclaim.DefaultDir(), fmt.Sprintf("test lab %s, pid %d", id, os.Getpid()), []hostclaim.Resource{
		bridgeClaim(id),
		{What: "test lab network", Name: network.String(), Flag: "(another lab ID)", CIDR: true},
	})
	if err != nil {
		return err
	}
	l.ID, l.port, l.claims, l.Network = id, port, claims, network
	l.Gateway = l.address(1)
	return nil
}

// hostUses fails when a route of the host's network namespace (but the
// default) meets network: something outside ordo (or an older lab) uses it.
func hostUses(network *net.IPNet) error {
	routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		return err
	}
	for _, r := range routes {
		if r.Dst == nil {
			continue
		}
		if ones, _ := r.Dst.Mask.Size(); ones > 0 && (r.Dst.Contains(network.IP) || network.Contains(r.Dst.IP)) {
			return fmt.Errorf("the host has a route to %s, which meets %s", r.Dst, network)
		}
	}
	return nil
}

// address is the lab's host address n: 1 the bridge's, 2 and on machines'.
func (l *Lab) address(n int) net.IP {
	ip := make(net.IP, 4)
	copy(ip, l.Network.IP.To4())
	ip[3] = byte(n)
	return ip
}

// makeBridge makes the lab's bridge with the gateway address and sets it up.
func (l *Lab) makeBridge() error {
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: l.ID}}
	if err := netlink.LinkAdd(br); err != nil {
		return fmt.Errorf("add bridge: %w", err)
	}
	if err := netlink.AddrAdd(br, &netlink.Addr{IPNet: &net.IPNet{IP: l.Gateway, Mask: l.Network.Mask}}); err != nil {
		return fmt.Errorf("bridge address: %w", err)
	}
	return netlink.LinkSetUp(br)
}

// Close stops every machine, removes the lab's links and namespaces,
// releases its claims, and returns what went wrong on the way and what of
// the lab is left (Leftovers). Safe twice.
func (l *Lab) Close() error {
	var errs []error
	// Agents first, while their servers still answer their last status
	// writes; servers after, in reverse order of start.
	for _, agents := range []bool{true, false} {
		for i := len(l.machines) - 1; i >= 0; i-- {
			if m := l.machines[i]; (m.Agent != nil) == agents {
				errs = append(errs, m.shutdown())
			}
		}
	}
	if l.ID != "" {
		if link, err := netlink.LinkByName(l.ID); err == nil {
			if err := netlink.LinkDel(link); err != nil {
				errs = append(errs, fmt.Errorf("delete bridge %s: %w", l.ID, err))
			}
		}
	}
	if err := l.Leftovers(); err != nil {
		errs = append(errs, fmt.Errorf("left: %w", err))
	}
	l.claims.Release()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("test lab %s: %w", l.ID, err)
	}
	return nil
}

// Leftovers lists what of the lab still exists: processes of its running
// machines, pod shims under their data directories, network namespaces,
// links, mounts and cgroups. Close fails on any; a test calls it to check
// itself.
func (l *Lab) Leftovers() error {
	var errs []error
	for _, m := range l.machines {
		// Once a machine is shut down (its holder gone, which happens
		// only after none of its other processes is left), its namespaces'
		// inode numbers may be reused by others'.
		if pids := m.processes(); m.holder != nil && len(pids) > 0 {
			errs = append(errs, fmt.Errorf("machine %s: processes %v", m.Name, pids))
		}
		if n := testcluster.ShimCount(m.DataDir); n > 0 {
			errs = append(errs, fmt.Errorf("machine %s: %d pod shims", m.Name, n))
		}
		if _, err := os.Stat(netnsPath(m.Netns)); err == nil {
			errs = append(errs, fmt.Errorf("machine %s: network namespace %s", m.Name, m.Netns))
		}
		for _, dir := range cgroupDirs(m.NodeName) {
			if _, err := os.Stat(dir); err == nil {
				errs = append(errs, fmt.Errorf("machine %s: cgroup %s", m.Name, dir))
			}
		}
	}
	links, err := netlink.LinkList()
	if err != nil {
		errs = append(errs, err)
	}
	for _, link := range links {
		if name := link.Attrs().Name; l.ID != "" && (name == l.ID || strings.HasPrefix(name, l.ID+"v")) {
			errs = append(errs, fmt.Errorf("link %s", name))
		}
	}
	errs = append(errs, l.mountsLeft()...)
	return errors.Join(errs...)
}
