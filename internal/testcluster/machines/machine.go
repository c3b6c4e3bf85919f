package machines

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// Machine is one test machine of a lab: its own network, mount and UTS
// namespaces, address and data directory, running at most one ordo
// process (Server or Agent).
type Machine struct {
	// Name is the machine's name in the lab ("server1"); NodeName, its
	// Node's name and host name, adds the lab's port, since a node name
	// claims cgroups machine-wide.
	Name, NodeName string
	// IP is the machine's address on the lab's bridge.
	IP net.IP
	// Dir holds the machine's files; DataDir, under it, is ordo's.
	Dir, DataDir string
	// Netns is the name of its network namespace; HostVeth the host end
	// of its link, on the lab's bridge.
	Netns, HostVeth string
	// Server or Agent is the ordo process the machine runs, once started.
	Server *testcluster.Server
	Agent  *testcluster.Agent

	lab      *Lab
	holder   *exec.Cmd
	held     chan struct{} // closed when the holder has exited
	nsInodes map[string]string
}

// machineName is what Lab.Machine accepts: short DNS labels, so that the
// node name and the network namespace's name stay valid.
var machineName = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$`)

// AddMachine boots a new machine named name on the lab: its namespaces,
// its link to the bridge and its directories. It runs no ordo until
// StartServer or StartAgent. Lab.Close removes it.
func (l *Lab) AddMachine(name string) (*Machine, error) {
	if !machineName.MatchString(name) {
		return nil, fmt.Errorf("test machine name %q: must be a DNS label of at most 20 characters", name)
	}
	for _, m := range l.machines {
		if m.Name == name {
			return nil, fmt.Errorf("test machine %s already exists", name)
		}
	}
	n := len(l.machines) + 1
	if n > 200 {
		return nil, fmt.Errorf("test lab %s: at most 200 machines", l.ID)
	}
	m := &Machine{Name: name, NodeName: fmt.Sprintf("%s-%d", name, l.port), IP: l.address(n + 1),
		Dir:   filepath.Join(l.Dir, name),
		Netns: l.ID + "-" + name, HostVeth: fmt.Sprintf("%sv%d", l.ID, n), lab: l}
	m.DataDir = filepath.Join(m.Dir, "data")
	l.machines = append(l.machines, m)
	if err := m.boot(); err != nil {
		return nil, fmt.Errorf("test machine %s: %w", name, err)
	}
	return m, nil
}

// boot makes the machine's directories, network namespace and link, and
// starts the holder of its mount and UTS namespaces.
func (m *Machine) boot() error {
	if err := os.MkdirAll(m.DataDir, 0o700); err != nil {
		return err
	}
	if err := makeRunDir(m.runDir()); err != nil {
		return err
	}
	if out, err := exec.Command("ip", "netns", "add", m.Netns).CombinedOutput(); err != nil {
		return fmt.Errorf("ip netns add %s: %v: %s", m.Netns, err, out)
	}
	if err := m.link(); err != nil {
		return err
	}
	return m.hold()
}

func (m *Machine) runDir() string { return filepath.Join(m.Dir, "run") }

func netnsPath(name string) string { return filepath.Join("/run/netns", name) }

// link makes the veth pair inside the machine's namespace, so that eth0
// has the lowest index after lo there (ordo takes the first global
// address, by index, as the node's InternalIP), and moves the other end to
// the host's bridge.
func (m *Machine) link() error {
	ns, err := netns.GetFromName(m.Netns)
	if err != nil {
		return err
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	if err := h.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth0"}, PeerName: m.HostVeth}); err != nil {
		return fmt.Errorf("add veth: %w", err)
	}
	if err := m.plugIntoBridge(h); err != nil {
		return err
	}
	eth0, err := h.LinkByName("eth0")
	if err != nil {
		return err
	}
	if err := h.AddrAdd(eth0, &netlink.Addr{IPNet: &net.IPNet{IP: m.IP, Mask: m.lab.Network.Mask}}); err != nil {
		return fmt.Errorf("eth0 address: %w", err)
	}
	lo, err := h.LinkByName("lo")
	if err != nil {
		return err
	}
	for _, link := range []netlink.Link{lo, eth0} {
		if err := h.LinkSetUp(link); err != nil {
			return fmt.Errorf("set %s up: %w", link.Attrs().Name, err)
		}
	}
	if err := h.RouteAdd(&netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: m.lab.Gateway}); err != nil {
		return fmt.Errorf("default route: %w", err)
	}
	return nil
}

// plugIntoBridge moves the host end of the veth from the machine's
// namespace (handle h) to the host's and onto the lab's bridge.
func (m *Machine) plugIntoBridge(h *netlink.Handle) error {
	peer, err := h.LinkByName(m.HostVeth)
	if err != nil {
		return err
	}
	host, err := netns.GetFromPid(os.Getpid())
	if err != nil {
		return err
	}
	defer host.Close()
	if err := h.LinkSetNsFd(peer, int(host)); err != nil {
		return fmt.Errorf("move %s to the host: %w", m.HostVeth, err)
	}
	link, err := netlink.LinkByName(m.HostVeth)
	if err != nil {
		return err
	}
	br, err := netlink.LinkByName(m.lab.ID)
	if err != nil {
		return err
	}
	if err := netlink.LinkSetMaster(link, br); err != nil {
		return fmt.Errorf("%s on the bridge: %w", m.HostVeth, err)
	}
	return netlink.LinkSetUp(link)
}

// holdScript runs in the machine's new mount and UTS namespaces: /run
// becomes the machine's own, the host name the node's, and its resolver
// the lab's gateway, where nothing answers, so that a lookup fails at once
// (port unreachable) instead of waiting for packets the host does not
// forward; then it holds the namespaces until killed.
const holdScript = `mount --bind "$1" /run && mount --bind "$3" /etc/resolv.conf && hostname "$2" && echo ready && exec sleep infinity`

// hold starts the process that holds the machine's mount and UTS
// namespaces (in its network namespace), and waits until it has mounted.
// Every process of the machine then enters its namespaces, so that they
// share one mount table, across restarts of ordo, as on a real host.
func (m *Machine) hold() error {
	resolv := filepath.Join(m.Dir, "resolv.conf")
	if err := os.WriteFile(resolv, []byte("nameserver "+m.lab.Gateway.String()+"\n"), 0o644); err != nil {
		return err
	}
	cmd := exec.Command("nsenter", "--net="+netnsPath(m.Netns), "--",
		"unshare", "--mount", "--uts", "--propagation", "private", "--",
		"sh", "-c", holdScript, "machine", m.runDir(), m.NodeName, resolv)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	m.holder, m.held = cmd, make(chan struct{})
	ready := make(chan bool, 1)
	go func() {
		ready <- bufio.NewScanner(out).Scan()
		_ = cmd.Wait()
		close(m.held)
	}()
	select {
	case ok := <-ready:
		if !ok {
			<-m.held
			m.holder = nil
			return fmt.Errorf("namespace holder exited: %s", stderr.String())
		}
	case <-time.After(30 * time.Second):
		m.killHolder()
		return fmt.Errorf("namespace holder not ready after 30s: %s", stderr.String())
	}
	m.nsInodes = map[string]string{}
	for _, kind := range []string{"net", "mnt"} {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", cmd.Process.Pid, kind))
		if err != nil {
			return err
		}
		m.nsInodes[kind] = link
	}
	return nil
}

// killHolder ends the holder of the machine's namespaces and waits.
func (m *Machine) killHolder() {
	if m.holder == nil {
		return
	}
	_ = syscall.Kill(-m.holder.Process.Pid, syscall.SIGKILL)
	<-m.held
	m.holder = nil
}

// Wrap is the command prefix that runs a program inside the machine (its
// network, mount and UTS namespaces), for testcluster's Server.Wrap.
func (m *Machine) Wrap() []string {
	return []string{"nsenter", "--target", strconv.Itoa(m.holder.Process.Pid), "--net", "--mount", "--uts", "--"}
}

// Exec runs a command inside the machine and returns its combined output.
func (m *Machine) Exec(args ...string) (string, error) {
	w := m.Wrap()
	out, err := exec.Command(w[0], append(w[1:], args...)...).CombinedOutput()
	return string(out), err
}
