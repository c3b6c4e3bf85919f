package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Limits are a container's resource limits as cgroups enforce them.
type Limits struct {
	MemoryBytes int64  // 0: unlimited
	CPUMillis   int64  // 0: unlimited (limits.cpu, as a CFS quota)
	CPUShares   uint64 // requests.cpu as relative weight (0: the default)
}

// cfsPeriod is the CFS period Kubernetes uses (100 ms).
const cfsPeriod = 100000

// Cgroups puts containers in cgroups under one parent ("ordo"), on cgroup v2
// (the unified hierarchy) or v1 (separate memory and cpu hierarchies).
type Cgroups struct {
	v2   bool
	dirs map[string]string // controller ("memory", "cpu", "unified") → parent directory
}

// DetectCgroups finds the machine's cgroup hierarchies and creates the
// parent. It fails when neither memory nor cpu control is available.
func DetectCgroups(parent string) (*Cgroups, error) {
	const base = "/sys/fs/cgroup"
	if _, err := os.Stat(filepath.Join(base, "cgroup.controllers")); err == nil {
		dir := filepath.Join(base, parent)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		_ = os.WriteFile(filepath.Join(base, "cgroup.subtree_control"), []byte("+memory +cpu"), 0)
		if err := os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+memory +cpu"), 0); err != nil {
			return nil, fmt.Errorf("enable memory and cpu controllers: %w", err)
		}
		return &Cgroups{v2: true, dirs: map[string]string{"unified": dir}}, nil
	}
	c := &Cgroups{dirs: map[string]string{}}
	for _, ctl := range []string{"memory", "cpu"} {
		dir := filepath.Join(base, ctl, parent)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("cgroup v1 %s: %w", ctl, err)
		}
		c.dirs[ctl] = dir
	}
	// cpuacct counts each container's CPU time for the resource metrics
	// API; it limits nothing, so a machine without it only loses figures.
	if dir, ok := cpuacctDir(base, parent); ok {
		c.dirs["cpuacct"] = dir
	}
	return c, nil
}

// cpuacctDir is the v1 cpuacct parent when that hierarchy is mounted
// apart from cpu (when they are mounted together, the cpu directory
// already holds cpuacct.usage).
func cpuacctDir(base, parent string) (string, bool) {
	acct, err := filepath.EvalSymlinks(filepath.Join(base, "cpuacct"))
	if err != nil {
		return "", false
	}
	cpu, err := filepath.EvalSymlinks(filepath.Join(base, "cpu"))
	if err != nil || cpu == acct {
		return "", false
	}
	dir := filepath.Join(acct, parent)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false
	}
	return dir, true
}

// Create makes the cgroups of one container run and sets its limits. The
// returned directories are where the container process must put itself.
func (c *Cgroups) Create(id string, l Limits) ([]string, error) {
	var dirs []string
	for _, parent := range c.dirs {
		dir := filepath.Join(parent, id)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		dirs = append(dirs, dir)
	}
	if err := c.setLimits(id, l); err != nil {
		c.Remove(id)
		return nil, err
	}
	return dirs, nil
}

func (c *Cgroups) setLimits(id string, l Limits) error {
	set := func(ctl, file, value string) error {
		return os.WriteFile(filepath.Join(c.dirs[ctl], id, file), []byte(value), 0)
	}
	var errs []error
	if c.v2 {
		if l.MemoryBytes > 0 {
			errs = append(errs, set("unified", "memory.max", strconv.FormatInt(l.MemoryBytes, 10)))
			errs = append(errs, set("unified", "memory.swap.max", "0"))
		}
		if l.CPUMillis > 0 {
			errs = append(errs, set("unified", "cpu.max", fmt.Sprintf("%d %d", l.CPUMillis*cfsPeriod/1000, cfsPeriod)))
		}
		if l.CPUShares > 0 {
			// Kubernetes' mapping of shares (2..262144) onto weight (1..10000).
			errs = append(errs, set("unified", "cpu.weight", strconv.FormatUint(1+((l.CPUShares-2)*9999)/262142, 10)))
		}
	} else {
		if l.MemoryBytes > 0 {
			errs = append(errs, set("memory", "memory.limit_in_bytes", strconv.FormatInt(l.MemoryBytes, 10)))
		}
		if l.CPUMillis > 0 {
			errs = append(errs, set("cpu", "cpu.cfs_period_us", strconv.Itoa(cfsPeriod)))
			errs = append(errs, set("cpu", "cpu.cfs_quota_us", strconv.FormatInt(l.CPUMillis*cfsPeriod/1000, 10)))
		}
		if l.CPUShares > 0 {
			errs = append(errs, set("cpu", "cpu.shares", strconv.FormatUint(l.CPUShares, 10)))
		}
	}
	for _, err := range errs {
		if err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("set cgroup limits: %w", err)
		}
	}
	return nil
}

// OOMKilled reports whether the kernel's OOM killer acted in the run's
// memory cgroup.
func (c *Cgroups) OOMKilled(id string) bool {
	file, dir := "memory.oom_control", c.dirs["memory"]
	if c.v2 {
		file, dir = "memory.events", c.dirs["unified"]
	}
	data, err := os.ReadFile(filepath.Join(dir, id, file))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "oom_kill" && f[1] != "0" {
			return true
		}
	}
	return false
}

// Remove kills whatever is left in the run's cgroups and deletes them.
func (c *Cgroups) Remove(id string) {
	for _, parent := range c.dirs {
		removeCgroup(filepath.Join(parent, id))
	}
}

// Sweep removes every container cgroup left by an earlier agent, except
// those keep (when set) says belong to a pod that lives on.
func (c *Cgroups) Sweep(keep func(id string) bool) {
	for _, parent := range c.dirs {
		entries, _ := os.ReadDir(parent)
		for _, e := range entries {
			if e.IsDir() && (keep == nil || !keep(e.Name())) {
				removeCgroup(filepath.Join(parent, e.Name()))
			}
		}
	}
}

func removeCgroup(dir string) {
	for i := 0; i < 50; i++ {
		data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if err != nil {
			return
		}
		pids := strings.Fields(string(data))
		for _, p := range pids {
			if pid, err := strconv.Atoi(p); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if err := os.Remove(dir); err == nil || os.IsNotExist(err) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// enterCgroups moves the calling process into each cgroup directory.
func enterCgroups(dirs []string) error {
	pid := []byte(strconv.Itoa(os.Getpid()))
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), pid, 0); err != nil {
			return fmt.Errorf("enter cgroup %s: %v", d, err)
		}
	}
	return nil
}

// RemoveParent deletes the (empty) parent cgroups, at shutdown.
func (c *Cgroups) RemoveParent() {
	c.Sweep(nil)
	for _, parent := range c.dirs {
		_ = os.Remove(parent)
	}
}
