package runtime

import (
	"os"
	"path/filepath"
	"testing"
)

func writeStatFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadStats reads the counters the resource metrics need from the
// files each cgroup version has, as the kernel writes them.
func TestReadStats(t *testing.T) {
	v1mem, v1acct, v2 := t.TempDir(), t.TempDir(), t.TempDir()
	writeStatFiles(t, v1mem, map[string]string{
		"memory.usage_in_bytes": "104857600\n",
		// The cgroup's own inactive_file comes first; the hierarchical
		// total_ one is what counts (the cgroup and its children).
		"memory.stat": "cache 1\ninactive_file 5\nactive_file 9\ntotal_cache 7\ntotal_inactive_file 31457280\n",
	})
	writeStatFiles(t, v1acct, map[string]string{"cpuacct.usage": "2500000000\n"})
	got, err := readStatsV1(v1mem, v1acct)
	want := CgroupStats{CPUNanos: 2_500_000_000, MemoryUsageBytes: 100 << 20, InactiveFileBytes: 30 << 20}
	if err != nil || got != want {
		t.Errorf("v1: %+v, %v; want %+v", got, err, want)
	}

	writeStatFiles(t, v2, map[string]string{
		"cpu.stat":       "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n",
		"memory.current": "104857600\n",
		"memory.stat":    "anon 1\nfile 2\nactive_anon 0\ninactive_file 31457280\nactive_file 3\n",
	})
	got, err = readStatsV2(v2)
	if err != nil || got != want {
		t.Errorf("v2: %+v, %v; want %+v", got, err, want)
	}

	// A cgroup gone since (the container exited) is an error, not zeros.
	if _, err := readStatsV2(filepath.Join(v2, "gone")); err == nil {
		t.Error("a missing cgroup read without error")
	}
}

func TestMeminfoUsage(t *testing.T) {
	dir := t.TempDir()
	writeStatFiles(t, dir, map[string]string{
		"meminfo": "MemTotal:        8000000 kB\nMemFree:         3000000 kB\nMemAvailable:    6000000 kB\nInactive(file):  1000 kB\n",
		"broken":  "MemTotal:        8000000 kB\n",
	})
	if got, err := meminfoUsage(filepath.Join(dir, "meminfo")); err != nil || got != 5_000_000*1024 {
		t.Errorf("meminfoUsage = %d, %v; want MemTotal − MemFree = %d", got, err, 5_000_000*1024)
	}
	if _, err := meminfoUsage(filepath.Join(dir, "broken")); err == nil {
		t.Error("meminfo without MemFree read without error")
	}
}
