package testcluster

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/ordo-dev/ordo/internal/runtime"
)

// shimSockets lists the sockets of the live pod shims (`ordo internal-shim
// SOCKET`) whose socket lies under dir: the pods an agent with its data in
// dir left running.
func shimSockets(dir string) []string {
	var out []string
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, path := range cmdlines {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		args := strings.Split(string(data), "\x00")
		if len(args) > 2 && args[1] == "internal-shim" && strings.HasPrefix(args[2], dir+"/") {
			out = append(out, args[2])
		}
	}
	return out
}

// ShimCount is how many pod shims under dir are alive.
func ShimCount(dir string) int { return len(shimSockets(dir)) }

// endShims ends every pod shim under dir with its processes, the last
// resort of a test's cleanup, and returns how many it found.
func endShims(dir string) int {
	sockets := shimSockets(dir)
	for _, s := range sockets {
		runtime.EndShim(s)
	}
	return len(sockets)
}
