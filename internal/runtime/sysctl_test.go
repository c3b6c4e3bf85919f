package runtime

import (
	"os"
	"strings"
	"testing"
)

// A pod's sysctls are set in its own IPC and network namespaces: its
// containers see them, the host keeps its values.
func TestSysctlsStayInThePodsNamespaces(t *testing.T) {
	r := testRuntime(t)
	hostShm := readProcSys(t, "kernel/shm_rmid_forced")
	hostPorts := readProcSys(t, "net/ipv4/ip_local_port_range")
	want := map[string]string{"kernel/shm_rmid_forced": "1", "net/ipv4/ip_local_port_range": "20000\t20999"}
	if hostShm == want["kernel/shm_rmid_forced"] || hostPorts == want["net/ipv4/ip_local_port_range"] {
		t.Skip("the host already has the values this test sets")
	}
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "sysctl", Sysctls: []Sysctl{
		{Path: "kernel/shm_rmid_forced", Value: "1"}, {Path: "net/ipv4/ip_local_port_range", Value: "20000 20999"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	out, exit := run(t, r, sb, "cat", "/proc/sys/kernel/shm_rmid_forced", "/proc/sys/net/ipv4/ip_local_port_range")
	if exit.Code != 0 || strings.Fields(out)[0] != "1" || strings.Join(strings.Fields(out)[1:], " ") != "20000 20999" {
		t.Errorf("in the pod: exit %d, %q", exit.Code, out)
	}
	if got := readProcSys(t, "kernel/shm_rmid_forced"); got != hostShm {
		t.Errorf("host kernel.shm_rmid_forced changed: %s → %s", hostShm, got)
	}
	if got := readProcSys(t, "net/ipv4/ip_local_port_range"); got != hostPorts {
		t.Errorf("host net.ipv4.ip_local_port_range changed: %s → %s", hostPorts, got)
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
