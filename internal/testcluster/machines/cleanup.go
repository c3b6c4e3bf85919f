package machines

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// processes lists the live processes in the machine's network or mount
// namespace, its holder included: ordo, pod shims, whatever Exec left.
// Pods' own processes are in namespaces of their own and die with their
// shims (their parent-death signal).
func (m *Machine) processes() []int {
	if m.nsInodes == nil {
		return nil
	}
	return processesIn(map[string]bool{m.nsInodes["net"]: true, m.nsInodes["mnt"]: true})
}

// processesIn lists the live processes whose network or mount namespace
// is one of namespaces ("net:[4026532...]", as /proc/PID/ns/* link).
func processesIn(namespaces map[string]bool) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		for _, kind := range []string{"net", "mnt"} {
			if link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, kind)); err == nil && namespaces[link] && !zombie(pid) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// zombie tells whether pid has exited and only waits to be reaped.
func zombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return strings.HasPrefix(rest, "Z")
}

// killProcesses SIGKILLs every process of the machine but its holder
// until none is left (a dying shim's pods may linger a moment) and
// returns those still alive after 10 s.
func (m *Machine) killProcesses() []int {
	holder := 0
	if m.holder != nil {
		holder = m.holder.Process.Pid
	}
	others := func() []int {
		var out []int
		for _, pid := range m.processes() {
			if pid != holder {
				out = append(out, pid)
			}
		}
		return out
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := others()
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		for _, pid := range left {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// shutdown stops the machine's ordo (which stops its pods), kills
// whatever else runs in it, and removes its namespaces and link.
func (m *Machine) shutdown() error {
	var errs []error
	if m.holder != nil {
		_ = m.setLink(true) // a cut-off agent's stop would wait on the API
	}
	if s := m.Server; s != nil {
		s.Stop()
		if n := s.StopPods(); n > 0 {
			errs = append(errs, fmt.Errorf("%d pods' processes outlived the server's stop with --stop-pods-on-exit", n))
		}
	}
	if a := m.Agent; a != nil {
		a.Stop()
	}
	if left := m.killProcesses(); len(left) > 0 {
		errs = append(errs, fmt.Errorf("processes %v outlived SIGKILL", left))
	}
	m.killHolder()
	if link, err := netlink.LinkByName(m.HostVeth); err == nil {
		if err := netlink.LinkDel(link); err != nil {
			errs = append(errs, fmt.Errorf("delete %s: %w", m.HostVeth, err))
		}
	}
	if _, err := os.Stat(netnsPath(m.Netns)); err == nil {
		if err := netns.DeleteNamed(m.Netns); err != nil {
			errs = append(errs, fmt.Errorf("delete network namespace %s: %w", m.Netns, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("test machine %s: %w", m.Name, err)
	}
	return nil
}

// Log is the end of the log of the machine's ordo (server or agent).
func (m *Machine) Log() string {
	switch {
	case m.Server != nil:
		return tail(m.Server.LogPath())
	case m.Agent != nil:
		return lastBytes(m.Agent.Log())
	}
	return ""
}

// cgroupDirs are where an ordo agent of node keeps its pods' cgroups (v2,
// or v1's memory and cpu hierarchies); the agent removes them on stop.
func cgroupDirs(node string) []string {
	const base = "/sys/fs/cgroup"
	if _, err := os.Stat(filepath.Join(base, "cgroup.controllers")); err == nil {
		return []string{filepath.Join(base, "ordo-"+node)}
	}
	return []string{filepath.Join(base, "memory", "ordo-"+node), filepath.Join(base, "cpu", "ordo-"+node)}
}

// mountsLeft lists the host's mounts under the lab's directory or of its
// network namespaces. A machine's own mounts live in its mount namespace,
// which ends with its last process.
func (l *Lab) mountsLeft() []error {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 5 {
			continue
		}
		if mp := fields[4]; strings.HasPrefix(mp, l.Dir+"/") || (l.ID != "" && strings.HasPrefix(mp, netnsPath(l.ID+"-"))) {
			errs = append(errs, fmt.Errorf("mount %s", mp))
		}
	}
	return errs
}

// tail is the end of the file at path.
func tail(path string) string {
	data, _ := os.ReadFile(path)
	return lastBytes(string(data))
}

func lastBytes(s string) string {
	if len(s) > 4000 {
		return s[len(s)-4000:]
	}
	return s
}
