package runtime

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CgroupStats are a cgroup's cumulative CPU time and its memory figures,
// as the resource metrics API needs them (see internal/metrics/resource).
type CgroupStats struct {
	// CPUNanos is the CPU time used since the cgroup was made.
	CPUNanos uint64
	// MemoryUsageBytes is the memory charged to the cgroup, page cache
	// included (memory.usage_in_bytes on v1, memory.current on v2).
	MemoryUsageBytes uint64
	// InactiveFileBytes is the inactive file cache within that usage
	// (memory.stat total_inactive_file on v1, inactive_file on v2).
	InactiveFileBytes uint64
}

// Stats reads the counters of one container run's cgroups.
func (c *Cgroups) Stats(id string) (CgroupStats, error) {
	if c.v2 {
		return readStatsV2(filepath.Join(c.dirs["unified"], id))
	}
	acct := c.dirs["cpuacct"]
	if acct == "" {
		acct = c.dirs["cpu"]
	}
	return readStatsV1(filepath.Join(c.dirs["memory"], id), filepath.Join(acct, id))
}

// RootStats reads the node's own counters from the root cgroups, as the
// kubelet reports the node from cAdvisor's root container: every process
// of the machine, ordo's pods or not. On cgroup v2 the root has no
// memory.current; its usage is MemTotal − MemFree from /proc/meminfo, as
// runc computes the root's usage there.
func (c *Cgroups) RootStats() (CgroupStats, error) {
	const base = "/sys/fs/cgroup"
	if c.v2 {
		var s CgroupStats
		usec, err := statField(filepath.Join(base, "cpu.stat"), "usage_usec")
		if err != nil {
			return s, err
		}
		s.CPUNanos = usec * 1000
		if s.InactiveFileBytes, err = statField(filepath.Join(base, "memory.stat"), "inactive_file"); err != nil {
			return s, err
		}
		s.MemoryUsageBytes, err = meminfoUsage("/proc/meminfo")
		return s, err
	}
	acct := filepath.Join(base, "cpuacct")
	if _, ok := c.dirs["cpuacct"]; !ok {
		acct = filepath.Join(base, "cpu")
	}
	return readStatsV1(filepath.Join(base, "memory"), acct)
}

func readStatsV1(memory, cpuacct string) (CgroupStats, error) {
	var s CgroupStats
	var err error
	if s.CPUNanos, err = readUint(filepath.Join(cpuacct, "cpuacct.usage")); err != nil {
		return s, err
	}
	if s.MemoryUsageBytes, err = readUint(filepath.Join(memory, "memory.usage_in_bytes")); err != nil {
		return s, err
	}
	s.InactiveFileBytes, err = statField(filepath.Join(memory, "memory.stat"), "total_inactive_file")
	return s, err
}

// readStatsV2 reads dir's cpu.stat, memory.current and memory.stat.
func readStatsV2(dir string) (CgroupStats, error) {
	var s CgroupStats
	usec, err := statField(filepath.Join(dir, "cpu.stat"), "usage_usec")
	if err != nil {
		return s, err
	}
	s.CPUNanos = usec * 1000
	if s.InactiveFileBytes, err = statField(filepath.Join(dir, "memory.stat"), "inactive_file"); err != nil {
		return s, err
	}
	s.MemoryUsageBytes, err = readUint(filepath.Join(dir, "memory.current"))
	return s, err
}

func readUint(path string) (uint64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
}

// statField is the value of key in a flat-keyed file ("key value" lines),
// as memory.stat and cpu.stat are.
func statField(path, key string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseStatField(bufio.NewScanner(f), path, key)
}

func parseStatField(sc *bufio.Scanner, path, key string) (uint64, error) {
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if ok && k == key {
			return strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no %s", path, key)
}

// meminfoUsage is MemTotal − MemFree, in bytes.
func meminfoUsage(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var total, free uint64
	var seen int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		n, err := strconv.ParseUint(fields[1], 10, 64)
		if err != nil {
			continue
		}
		switch fields[0] {
		case "MemTotal:":
			total, seen = n*1024, seen+1
		case "MemFree:":
			free, seen = n*1024, seen+1
		}
	}
	if seen != 2 || free > total {
		return 0, fmt.Errorf("%s: no MemTotal and MemFree", path)
	}
	return total - free, nil
}
