package runtime

import (
	"os"
	"strings"
	"testing"
)

// A pod's sysctls are set in its own IPC and network namespaces: its
// containers see them, the host keeps its values. The values set differ
// from the host's, whatever they are, so that a sysctl leaked to the host
// by an earlier run cannot hide a leak now (the test never skips).
func TestSysctlsStayInThePodsNamespaces(t *testing.T) {
	r := testRuntime(t)
	hostShm := readProcSys(t, "kernel/shm_rmid_forced")
	hostPorts := readProcSys(t, "net/ipv4/ip_local_port_range")
	shm, ports := sysctlValuesUnlike(hostShm, hostPorts)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "sysctl", Sysctls: []Sysctl{
		{Path: "kernel/shm_rmid_forced", Value: shm}, {Path: "net/ipv4/ip_local_port_range", Value: ports}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	out, exit := run(t, r, sb, "cat", "/proc/sys/kernel/shm_rmid_forced", "/proc/sys/net/ipv4/ip_local_port_range")
	if f := strings.Fields(out); exit.Code != 0 || len(f) != 3 || f[0] != shm || f[1]+" "+f[2] != ports {
		t.Errorf("in the pod: exit %d, %q; want %s and %s", exit.Code, out, shm, ports)
	}
	if got := readProcSys(t, "kernel/shm_rmid_forced"); got != hostShm {
		t.Errorf("host kernel.shm_rmid_forced changed: %s → %s", hostShm, got)
	}
	if got := readProcSys(t, "net/ipv4/ip_local_port_range"); got != hostPorts {
		t.Errorf("host net.ipv4.ip_local_port_range changed: %s → %s", hostPorts, got)
	}
}

// sysctlValuesUnlike picks values for kernel.shm_rmid_forced (0 or 1) and
// net.ipv4.ip_local_port_range that differ from the host's. The port range
// also differs from a new network namespace's default (32768 60999), so
// the pod seeing it proves it was set; shm_rmid_forced has only two values,
// and a new IPC namespace starts at 0.
func sysctlValuesUnlike(hostShm, hostPorts string) (shm, ports string) {
	shm = "1"
	if hostShm == "1" {
		shm = "0"
	}
	ports = "20000 20999"
	if strings.Join(strings.Fields(hostPorts), " ") == ports {
		ports = "21000 21999"
	}
	return shm, ports
}

func TestSysctlValuesUnlikeTheHosts(t *testing.T) {
	for _, host := range [][2]string{{"0", "32768\t60999"}, {"1", "20000\t20999"}, {"0", "21000\t21999"}} {
		shm, ports := sysctlValuesUnlike(host[0], host[1])
		if shm == host[0] || ports == strings.ReplaceAll(host[1], "\t", " ") {
			t.Errorf("host %q: chose %q, %q", host, shm, ports)
		}
	}
}

// A sysctl the kernel refuses fails the sandbox with the name in the error;
// a path that climbs out of /proc/sys is refused before anything starts.
func TestBadSysctlsFailTheSandbox(t *testing.T) {
	r := testRuntime(t)
	_, err := r.StartSandbox(SandboxConfig{Hostname: "bad", Sysctls: []Sysctl{{Path: "kernel/no_such_sysctl", Value: "1"}}})
	if err == nil || !strings.Contains(err.Error(), "set sysctl kernel/no_such_sysctl") {
		t.Errorf("unknown sysctl: %v", err)
	}
	_, err = r.StartSandbox(SandboxConfig{Hostname: "bad", Sysctls: []Sysctl{{Path: "../../etc/passwd", Value: "x"}}})
	if err == nil || !strings.Contains(err.Error(), "sysctl path") {
		t.Errorf("climbing path: %v", err)
	}
}

func readProcSys(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}
