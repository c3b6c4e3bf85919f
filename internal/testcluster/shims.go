package testcluster

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// shimSockets lists the sockets of the live pod shims (`ordo internal-shim
// SOCKET`) whose socket lies under dir: the pods an agent with its data in
// dir left running.
func shimSockets(dir string) map[int]string {
	out := map[int]string{}
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, path := range cmdlines {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		args := strings.Split(string(data), "\x00")
		if len(args) > 2 && args[1] == "internal-shim" && strings.HasPrefix(args[2], dir+"/") {
			pid, _ := strconv.Atoi(strings.Split(path, "/")[2])
			out[pid] = args[2]
		}
	}
	return out
}

// ShimCount is how many pod shims under dir are alive.
func ShimCount(dir string) int { return len(shimSockets(dir)) }

// endShims kills every pod shim under dir, the last resort of a test's
// cleanup, and returns how many it found. Their sandboxes and containers
// have the shim's death as their parent-death signal (SIGKILL).
func endShims(dir string) int {
	shims := shimSockets(dir)
	for pid := range shims {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return len(shims)
}
