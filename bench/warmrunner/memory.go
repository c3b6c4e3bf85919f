package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// runnerMemory finds a runner pod's hold process (the container's
// `ordo internal-exec --hold`, which forks each run) and
// sums the resident memory of every process in its network namespace
// (the pod's sandbox and its warm container): what an idle runner pod
// costs beyond what its command uses while it runs.
func runnerMemory() (string, error) {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var hold string
	for _, p := range procs {
		cmd, err := os.ReadFile(p)
		if err == nil && bytes.HasPrefix(cmd, []byte("/")) && bytes.Contains(cmd, []byte("\x00internal-exec\x00")) && bytes.Contains(cmd, []byte("\x00--hold\x00")) {
			hold = filepath.Base(filepath.Dir(p))
			break
		}
	}
	if hold == "" {
		return "", fmt.Errorf("no runner pod's hold process found")
	}
	netns, _ := os.Readlink("/proc/" + hold + "/ns/net")
	var total, totalPss int64
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
			if pid == hold {
				name = "hold"
			} else if len(f) > 1 && f[1] == "internal-sandbox" {
				name = "sandbox"
			}
		}
		pss := pssOf(pid)
		total += rss
		totalPss += pss
		parts = append(parts, fmt.Sprintf("%s %d KiB RSS / %d KiB PSS", name, rss, pss))
	}
	return fmt.Sprintf("%.2f MiB RSS, %.2f MiB PSS in the pod's namespaces (%s); PSS shares the pages of the ordo binary and libc with the processes that map them too",
		float64(total)/1024, float64(totalPss)/1024, strings.Join(parts, ", ")), nil
}

// pssOf is a process's proportional set size (KiB), from smaps_rollup.
func pssOf(pid string) int64 {
	data, _ := os.ReadFile("/proc/" + pid + "/smaps_rollup")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
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
