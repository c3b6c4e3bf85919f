package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ordo-dev/ordo/bench/internal/benchutil"
)

// podPrefixes start the names of this benchmark's pods; a container's
// HOSTNAME is its pod's name, which ties a process to a pod.
var podPrefixes = []string{"ps-", "pb-"}

// procInfo is one process as /proc shows it.
type procInfo struct {
	pid, ppid int
	start     uint64 // starttime: clock ticks since boot
	argv      []string
}

// procID tells a process apart from a later one that reuses its pid.
type procID struct {
	pid   int
	start uint64
}

func (p procInfo) id() procID { return procID{p.pid, p.start} }

// owned remembers this run's pod processes and pod UIDs. Other servers
// (tests running meanwhile) use the same binary, so "an internal-sandbox
// process exists" says nothing; "one we saw under our server still exists"
// does, even after the server is gone and they would have been reparented.
type owned struct {
	serverPid int
	procs     map[procID]string
	uids      map[string]bool
}

func newOwned(serverPid int) *owned {
	return &owned{serverPid: serverPid, procs: map[procID]string{}, uids: map[string]bool{}}
}

// leftovers is what survived a teardown: pod processes and host veths.
type leftovers struct {
	Processes int      `json:"processes"`
	Veths     int      `json:"veths"`
	Details   []string `json:"details,omitempty"`
}

func (l leftovers) err(when string) error {
	if l.Processes == 0 && l.Veths == 0 {
		return nil
	}
	return fmt.Errorf("%s: %d pod processes and %d veths left: %s", when, l.Processes, l.Veths, strings.Join(l.Details, "; "))
}

// recordPods remembers the shim, sandbox and container processes of the
// running pods in names, and stamps when each sandbox and container was
// forked: /proc starttime is the only record of when the process, rather
// than its status, appeared. Each pod's processes are children of its shim
// (`ordo internal-shim`), itself a child of the server.
func (o *owned) recordPods(w *podWatcher, names []string) {
	boot := bootWallTime()
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	procs := scanProcs()
	shims := map[int]procInfo{}
	for _, p := range procs {
		if p.ppid == o.serverPid && isShim(p) {
			shims[p.pid] = p
		}
	}
	for _, p := range procs {
		shim, underShim := shims[p.ppid]
		if !underShim {
			continue
		}
		pod, sandbox := podOf(p)
		if !want[pod] {
			continue
		}
		o.procs[shim.id()] = fmt.Sprintf("pid %d %s", shim.pid, strings.Join(shim.argv, " "))
		o.procs[p.id()] = fmt.Sprintf("pid %d %s", p.pid, strings.Join(p.argv, " "))
		if boot.IsZero() {
			continue
		}
		forked := boot.Add(time.Duration(p.start) * time.Second / benchutil.ClkTck)
		w.update(pod, func(t *podTimes) {
			if sandbox {
				t.sandboxFork = forked
			} else {
				t.processFork = forked
			}
		})
	}
	for _, t := range w.snapshot(names) {
		o.uids[t.uid] = true
	}
}

func isShim(p procInfo) bool { return len(p.argv) > 1 && p.argv[1] == "internal-shim" }

// podOf names the pod a shim's child belongs to: the sandbox carries it in
// --hostname, the exec'd container in its HOSTNAME variable.
func podOf(p procInfo) (pod string, sandbox bool) {
	if len(p.argv) > 1 && p.argv[1] == "internal-sandbox" {
		for i, a := range p.argv {
			if a == "--hostname" && i+1 < len(p.argv) {
				return p.argv[i+1], true
			}
		}
	}
	return envHostname(p.pid), false
}

// leftovers counts pod processes and veths that still exist: processes we
// recorded, plus (while the server runs) any child of the server that is a
// pod's shim (its sandbox and containers are the shim's children);
// veths on the server's bridge, plus veths anywhere labelled with the UID
// of one of our pods (the bridge may be gone).
func (o *owned) leftovers(bridge string, serverAlive bool) leftovers {
	var l leftovers
	for _, p := range scanProcs() {
		_, ours := o.procs[p.id()]
		if !ours && !(serverAlive && p.ppid == o.serverPid && o.isPodProcess(p)) {
			continue
		}
		l.Processes++
		l.Details = append(l.Details, fmt.Sprintf("process %d %q", p.pid, strings.Join(p.argv, " ")))
	}
	for _, v := range o.veths(bridge) {
		l.Veths++
		l.Details = append(l.Details, "veth "+v)
	}
	return l
}

func (o *owned) isPodProcess(p procInfo) bool {
	if len(p.argv) > 1 && strings.HasPrefix(p.argv[1], "internal-") {
		return true
	}
	h := envHostname(p.pid)
	for _, pre := range podPrefixes {
		if strings.HasPrefix(h, pre) {
			return true
		}
	}
	return false
}

// veths lists interfaces enslaved to the bridge and veths whose alias (ordo
// sets it to the pod UID) is one of our pods'.
func (o *owned) veths(bridge string) []string {
	seen := map[string]bool{}
	if ents, err := os.ReadDir(filepath.Join("/sys/class/net", bridge, "brif")); err == nil {
		for _, e := range ents {
			seen[e.Name()] = true
		}
	}
	ents, _ := os.ReadDir("/sys/class/net")
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "veth") {
			continue
		}
		if o.uids[benchutil.ReadTrim(filepath.Join("/sys/class/net", e.Name(), "ifalias"))] {
			seen[e.Name()] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	return out
}

// scanProcs reads every process's parent, start time and argv; processes
// that exit meanwhile are skipped.
func scanProcs() []procInfo {
	ents, _ := os.ReadDir("/proc")
	var out []procInfo
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		// ppid is field 4, starttime field 22.
		f, err := benchutil.StatFields(e.Name())
		if err != nil || len(f) < 20 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		start, _ := strconv.ParseUint(f[19], 10, 64)
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		out = append(out, procInfo{pid: pid, ppid: ppid, start: start,
			argv: strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")})
	}
	return out
}

// envHostname is the HOSTNAME in a process's initial environment.
func envHostname(pid int) string {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "environ"))
	if err != nil {
		return ""
	}
	for _, kv := range strings.Split(string(data), "\x00") {
		if h, ok := strings.CutPrefix(kv, "HOSTNAME="); ok {
			return h
		}
	}
	return ""
}

// bootWallTime is the wall-clock time of boot, against which /proc
// starttime counts (CLOCK_BOOTTIME, which includes suspend).
func bootWallTime() time.Time {
	var ts unix.Timespec
	now := time.Now()
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return time.Time{}
	}
	return now.Add(-time.Duration(ts.Nano()))
}
