package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clkTck is USER_HZ, the unit of utime/stime in /proc/<pid>/stat; it is 100
// on every Linux architecture Go supports, and reading it via sysconf would
// need cgo.
const clkTck = 100

// cpuSeconds is the user+system CPU time a process has consumed so far.
func cpuSeconds(pid string) (float64, error) {
	data, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0, err
	}
	// comm (field 2) may contain spaces; everything after the last ')'
	// starts at field 3, so utime (14) and stime (15) are at 11 and 12.
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%s/stat", pid)
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%s/stat: %v %v", pid, err1, err2)
	}
	return float64(ut+st) / clkTck, nil
}

// cpuMeter samples server and client CPU so each phase can be charged with
// what it cost on both sides of the connection.
type cpuMeter struct{ serverPid string }

type cpuSample struct{ server, client float64 }
type cpuDelta cpuSample

func (m cpuMeter) sample() cpuSample {
	s, _ := cpuSeconds(m.serverPid)
	c, _ := cpuSeconds("self")
	return cpuSample{server: s, client: c}
}

func (m cpuMeter) since(start cpuSample) cpuDelta {
	now := m.sample()
	return cpuDelta{server: now.server - start.server, client: now.client - start.client}
}

// memSnapshot is the server's memory and on-disk footprint at one moment.
type memSnapshot struct {
	RSSKB   int64 `json:"rss_kb"`
	HWMKB   int64 `json:"hwm_kb"`
	DBBytes int64 `json:"etcd_db_bytes"`
	// DBAllocBytes is what the db file occupies on disk; bbolt grows the
	// file ahead of use, so the two differ.
	DBAllocBytes int64 `json:"etcd_db_alloc_bytes"`
}

// snapshot reads VmRSS/VmHWM of pid and the size of the embedded etcd's
// bbolt file, which is what a user's disk actually holds.
func snapshot(pid, dataDir string) (memSnapshot, error) {
	var m memSnapshot
	f, err := os.Open(filepath.Join("/proc", pid, "status"))
	if err != nil {
		return m, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch k {
		case "VmRSS":
			m.RSSKB = kb(v)
		case "VmHWM":
			m.HWMKB = kb(v)
		}
	}
	if st, err := os.Stat(filepath.Join(dataDir, "etcd", "member", "snap", "db")); err == nil {
		m.DBBytes = st.Size()
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			m.DBAllocBytes = sys.Blocks * 512
		}
	}
	return m, sc.Err()
}

// kb parses a /proc status value such as "  123456 kB".
func kb(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
	return n
}

func (m memSnapshot) String() string {
	return fmt.Sprintf("RSS %7.1f MiB   peak (VmHWM) %7.1f MiB   etcd db %6.1f MiB (%.2f MiB on disk)",
		float64(m.RSSKB)/1024, float64(m.HWMKB)/1024, float64(m.DBBytes)/(1<<20), float64(m.DBAllocBytes)/(1<<20))
}

// machine describes where the run happened, since figures from a shared
// 2-core VM and a workstation are not comparable.
type machine struct {
	NumCPU     int    `json:"num_cpu"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Kernel     string `json:"kernel"`
	GoVersion  string `json:"go_version"`
	LoadAvg    string `json:"loadavg"`
	Date       string `json:"date"`
}

func describeMachine() machine {
	return machine{
		NumCPU:     runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		Kernel:     readTrim("/proc/sys/kernel/osrelease"),
		GoVersion:  runtime.Version(),
		LoadAvg:    loadAvg(),
		Date:       time.Now().UTC().Format(time.RFC3339),
	}
}

// loadAvg is the 1/5/15-minute load, to spot runs disturbed by other work.
func loadAvg() string {
	f := strings.Fields(readTrim("/proc/loadavg"))
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}

func readTrim(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(data))
}
