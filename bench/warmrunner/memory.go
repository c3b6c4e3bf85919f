package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// runnerMemory finds a runner pod's hold process (sleep infinity) and
// sums the resident memory of every process in its network namespace
// (the pod's sandbox and its warm container): what an idle runner pod
// costs beyond what its command uses while it runs.
func runnerMemory() (string, error) {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var hold string
	for _, p := range procs {
		cmd, err := os.ReadFile(p)
		if err == nil && bytes.Equal(cmd, []byte("sleep\x00infinity\x00")) {
			hold = filepath.Base(filepath.Dir(p))
			break
		}
	}
	if hold == "" {
		return "", fmt.Errorf("no runner pod's hold process found")
	}
	netns, _ := os.Readlink("/proc/" + hold + "/ns/net")
	var total int64
	var parts []string
	for _, p := range procs {
		pid := filepath.Base(filepath.Dir(p))
		if ns, err := os.Readlink("/proc/" + pid + "/ns/net"); err != nil || ns != netns {
			continue
		}
		rss, _ := status(pid)
		cmd, _ := os.ReadFile(p)
		name := "?"
		if f := strings.Fields(strings.ReplaceAll(string(cmd), "\x00", " ")); len(f) > 0 {
			name = filepath.Base(f[0])
		}
		total += rss
		parts = append(parts, fmt.Sprintf("%s %d KiB", name, rss))
	}
	return fmt.Sprintf("%.2f MiB RSS in the pod's namespaces (%s)", float64(total)/1024, strings.Join(parts, ", ")), nil
}

// status reads VmRSS (KiB) and PPid of a process.
func status(pid string) (rssKiB int64, ppid string) {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			rssKiB, _ = strconv.ParseInt(f[1], 10, 64)
		case "PPid:":
			ppid = f[1]
		}
	}
	return rssKiB, ppid
}
