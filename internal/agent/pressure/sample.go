package pressure

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Sample measures the signals: memory from /proc/meminfo (MemAvailable,
// the kernel's estimate of what can be allocated without swapping, as
// close as the machine gets to the kubelet's capacity minus working set),
// nodefs and imagefs from a statfs of dir, PIDs from kernel.pid_max and
// the processes running. A signal that cannot be read stays zero (not
// measured).
func Sample(dir string) Signals {
	var s Signals
	s.MemoryCapacity, s.MemoryAvailable = meminfo("MemTotal:"), meminfo("MemAvailable:")
	var fs unix.Statfs_t
	if unix.Statfs(dir, &fs) == nil {
		s.NodefsCapacity = int64(fs.Blocks) * int64(fs.Bsize)
		s.NodefsAvailable = int64(fs.Bavail) * int64(fs.Bsize)
		s.NodefsInodes, s.NodefsInodesFree = int64(fs.Files), int64(fs.Ffree)
	}
	s.ImagefsAvailable, s.ImagefsCapacity = s.NodefsAvailable, s.NodefsCapacity
	s.ImagefsInodesFree, s.ImagefsInodes = s.NodefsInodesFree, s.NodefsInodes
	if max := readInt("/proc/sys/kernel/pid_max"); max > 0 {
		s.PIDMax, s.PIDAvailable = max, max-running()
	}
	return s
}

// Capacity samples only the node's memory and disk capacity, the signals
// its capacity and allocatable resources come from: cheaper than Sample
// when nothing else is wanted (a pod's start).
func Capacity(dir string) Signals {
	var s Signals
	s.MemoryCapacity = meminfo("MemTotal:")
	var fs unix.Statfs_t
	if unix.Statfs(dir, &fs) == nil {
		s.NodefsCapacity = int64(fs.Blocks) * int64(fs.Bsize)
	}
	return s
}

// meminfo is one /proc/meminfo field in bytes, 0 if missing.
func meminfo(field string) int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func readInt(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	return n
}

// running counts the machine's processes, as the kubelet's pid.available
// does (pid_max minus the processes in use): the fourth field of
// /proc/loadavg is "running/total".
func running() int64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) < 4 {
		return 0
	}
	_, total, _ := strings.Cut(fields[3], "/")
	n, _ := strconv.ParseInt(total, 10, 64)
	return n
}
