package benchutil

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

// ClkTck is USER_HZ, the unit of utime/stime/starttime in /proc/<pid>/stat;
// it is 100 on every Linux architecture Go supports, and reading it via
// sysconf would need cgo.
const ClkTck = 100

// StatFields returns the fields of /proc/<pid>/stat from field 3 (state)
// on, so field k (1-based, as in proc(5)) is at index k-3. comm (field 2)
// may contain spaces, hence the split after its closing ')'.
func StatFields(pid string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return nil, err
	}
	s := string(data)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:]), nil
}

// CPUSeconds is the user+system CPU time a process has consumed so far.
func CPUSeconds(pid string) (float64, error) {
	f, err := StatFields(pid)
	if err != nil {
		return 0, err
	}
	// utime (14) and stime (15).
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%s/stat", pid)
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%s/stat: %v %v", pid, err1, err2)
	}
	return float64(ut+st) / ClkTck, nil
}

// CPUMeter samples server and client CPU so each phase can be charged with
// what it cost on both sides of the connection.
type CPUMeter struct{ ServerPid string }

// CPUSample is cumulative CPU seconds of the server and of this process.
type CPUSample struct{ Server, Client float64 }

// CPUDelta is the CPU seconds used between two samples.
type CPUDelta CPUSample

// Sample reads both processes' CPU time now; a failed read counts as 0.
func (m CPUMeter) Sample() CPUSample {
	s, _ := CPUSeconds(m.ServerPid)
	c, _ := CPUSeconds("self")
	return CPUSample{Server: s, Client: c}
}

// Since is the CPU used from start until now.
func (m CPUMeter) Since(start CPUSample) CPUDelta {
	now := m.Sample()
	return CPUDelta{Server: now.Server - start.Server, Client: now.Client - start.Client}
}

// MemSnapshot is the server's memory and on-disk footprint at one moment.
type MemSnapshot struct {
	RSSKB int64 `json:"rss_kb"`
	HWMKB int64 `json:"hwm_kb"`
	// AnonKB and FileKB split RSS into the process's own memory (Go heap,
	// stacks) and mapped file pages: mostly the ordo binary's text, which is
	// shared, clean page cache the kernel can reclaim.
	AnonKB  int64 `json:"rss_anon_kb"`
	FileKB  int64 `json:"rss_file_kb"`
	DBBytes int64 `json:"etcd_db_bytes"`
	// DBAllocBytes is what the db file occupies on disk; bbolt grows the
	// file ahead of use, so the two differ.
	DBAllocBytes int64 `json:"etcd_db_alloc_bytes"`
}

// Snapshot reads VmRSS/VmHWM of pid and the size of the embedded etcd's
// bbolt file, which is what a user's disk actually holds.
func Snapshot(pid, dataDir string) (MemSnapshot, error) {
	var m MemSnapshot
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
		case "RssAnon":
			m.AnonKB = kb(v)
		case "RssFile":
			m.FileKB = kb(v)
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

func (m MemSnapshot) String() string {
	return fmt.Sprintf("RSS %7.1f MiB (anon %.1f, file %.1f)   peak (VmHWM) %7.1f MiB   etcd db %6.1f MiB (%.2f MiB on disk)",
		float64(m.RSSKB)/1024, float64(m.AnonKB)/1024, float64(m.FileKB)/1024, float64(m.HWMKB)/1024, float64(m.DBBytes)/(1<<20), float64(m.DBAllocBytes)/(1<<20))
}

// Machine describes where the run happened, since figures from a shared
// 2-core VM and a workstation are not comparable.
type Machine struct {
	NumCPU     int    `json:"num_cpu"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Kernel     string `json:"kernel"`
	GoVersion  string `json:"go_version"`
	LoadAvg    string `json:"loadavg"`
	Date       string `json:"date"`
}

// DescribeMachine reads the machine's description now.
func DescribeMachine() Machine {
	return Machine{
		NumCPU:     runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		Kernel:     ReadTrim("/proc/sys/kernel/osrelease"),
		GoVersion:  runtime.Version(),
		LoadAvg:    LoadAvg(),
		Date:       time.Now().UTC().Format(time.RFC3339),
	}
}

// LoadAvg is the 1/5/15-minute load, to spot runs disturbed by other work.
func LoadAvg() string {
	f := strings.Fields(ReadTrim("/proc/loadavg"))
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}

// ReadTrim is a small file's content without surrounding space, or
// "unknown" when it cannot be read.
func ReadTrim(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(data))
}
