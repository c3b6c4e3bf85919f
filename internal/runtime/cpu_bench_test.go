package runtime

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkPodProcessCPU starts pods of one container (`sleep 60`) one
// after another and reports the CPU each of the pod's processes used to
// get there, from /proc/PID/schedstat (nanoseconds on a CPU, however busy
// the machine), and their proportional memory (Pss) once the container
// sleeps: the shim (its exec, its clones), the sandbox and the container
// run (its root, its credentials and the exec of its command). It never
// judges the figures.
//
//	ORDO_BIN=$PWD/bin/ordo go test -run '^$' -bench PodProcessCPU -benchtime 20x ./internal/runtime
func BenchmarkPodProcessCPU(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root for namespaces")
	}
	r := &Runtime{Binary: benchBinary(b)}
	var cpu, pss [3]float64
	for i := 0; i < b.N; i++ {
		sb, err := r.StartSandbox(SandboxConfig{Hostname: fmt.Sprintf("bench-%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		p, err := r.StartContainer(ContainerConfig{Sandbox: sb, Argv: []string{"sleep", "60"}, Env: []string{"PATH=/usr/bin:/bin"}})
		if err != nil {
			sb.Stop()
			b.Fatal(err)
		}
		waitSleeping(p.PID())
		sb.shim.mu.Lock()
		pids := [3]int{sb.shim.pid, sb.PID(), p.PID()}
		sb.shim.mu.Unlock()
		for j, pid := range pids {
			cpu[j] += schedstatMS(pid)
			pss[j] += smapsKB(pid, "Pss")
		}
		sb.Stop()
	}
	for j, name := range []string{"shim", "sandbox", "container"} {
		b.ReportMetric(cpu[j]/float64(b.N), name+"-cpu-ms/op")
		b.ReportMetric(pss[j]/float64(b.N), name+"-pss-KiB/op")
	}
}

// benchBinary is $ORDO_BIN: a benchmark measures the binary it is given
// (built as `make` builds it), never one built on the fly.
func benchBinary(b *testing.B) string {
	bin := os.Getenv("ORDO_BIN")
	if bin == "" {
		b.Skip("set ORDO_BIN to the ordo binary to measure")
	}
	return bin
}

// waitSleeping waits (up to a second) until pid sleeps: the container's
// command has started and waits.
func waitSleeping(pid int) {
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		s := string(data)
		if i := strings.LastIndexByte(s, ')'); i > 0 && len(s) > i+2 && s[i+2] == 'S' && !strings.Contains(s[:i], "(ordo") {
			return
		}
	}
}

func schedstatMS(pid int) float64 {
	data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/schedstat")
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	ns, _ := strconv.ParseFloat(f[0], 64)
	return ns / 1e6
}

func smapsKB(pid int, key string) float64 {
	data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	for _, l := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(l, key+":"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(rest)[0], 64)
			return kb
		}
	}
	return 0
}
