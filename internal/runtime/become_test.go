package runtime

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The shim runs a start of its own binary in the child it forked, with
// no exec of ordo (ordo_shim_become), so what the shim holds would cross
// into the pod unless closed: its listening and agent sockets, its
// signalfd, other runs' pipes, logs and kept descriptors. Each pod process
// holds only its own stdin, stdout and stderr (the sandbox /dev/null),
// has no signal blocked that the shim blocked, and shows the command line,
// environment and name of its start, as an exec would have left them.
func TestPodProcessesHoldNothingOfTheShim(t *testing.T) {
	r := testRuntime(t)
	cfg := SandboxConfig{Hostname: "clean", ShimSocket: filepath.Join(t.TempDir(), "shim.sock")}
	sb, err := r.StartSandbox(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	dir := t.TempDir()
	start := func(tag string, stdin *os.File, keep []*os.File) *Process {
		t.Helper()
		logTo, err := os.OpenFile(filepath.Join(dir, tag+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer logTo.Close()
		p, err := r.StartContainer(ContainerConfig{Sandbox: sb, Tag: tag, LogTo: logTo, Stdin: stdin, Keep: keep,
			Argv: []string{"sleep", "60"}, Env: []string{"PATH=/usr/bin:/bin", "HOSTNAME=clean"}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	a := start("a", inR, []*os.File{inW})
	inR.Close()
	inW.Close()
	b := start("b", nil, nil)

	sb.shim.mu.Lock()
	shimPID := sb.shim.pid
	sb.shim.mu.Unlock()
	shimOnly := map[string]bool{} // the shim's sockets, signalfd and log files
	for _, l := range fdLinks(t, shimPID) {
		if strings.HasPrefix(l, "socket:") || strings.HasPrefix(l, "anon_inode:") || strings.HasPrefix(l, "/") && l != os.DevNull {
			shimOnly[l] = true
		}
	}
	if len(shimOnly) < 4 { // listener, agent connection, signalfd, two logs
		t.Fatalf("the shim holds %v: not what the test expects of it", fdLinks(t, shimPID))
	}
	procs := map[string]int{"sandbox": sb.PID(), "a": a.PID(), "b": b.PID()}
	links := map[string][]string{}
	for name, pid := range procs {
		links[name] = fdLinks(t, pid)
		if len(links[name]) != 3 {
			t.Errorf("%s (pid %d) holds fds %v, want only 0, 1 and 2", name, pid, links[name])
		}
		for _, l := range links[name] {
			if shimOnly[l] {
				t.Errorf("%s (pid %d) holds the shim's %s", name, pid, l)
			}
		}
	}
	for _, l := range links["b"] {
		for _, m := range links["a"] {
			if l == m && l != os.DevNull {
				t.Errorf("b holds a's %s", l)
			}
		}
	}
	if want := []string{os.DevNull, os.DevNull, os.DevNull}; !reflect.DeepEqual(links["sandbox"], want) {
		t.Errorf("the sandbox holds %v, want %v", links["sandbox"], want)
	}
	for _, name := range []string{"a", "b"} {
		if blocked := statusField(t, procs[name], "SigBlk"); blocked != "0000000000000000" {
			t.Errorf("%s runs with signals %s blocked", name, blocked)
		}
	}
	if got, want := procStrings(t, sb.PID(), "cmdline"), []string{r.Binary, cmdSandbox, "--hostname", "clean"}; !reflect.DeepEqual(got, want) {
		t.Errorf("the sandbox's command line is %q, want %q", got, want)
	}
	if got := procStrings(t, sb.PID(), "environ"); len(got) != 1 || got[0] != envSandboxHostname+"=clean" {
		t.Errorf("the sandbox's environment is %q", got)
	}
	if comm := strings.TrimSpace(string(mustRead(t, "/proc/"+strconv.Itoa(sb.PID())+"/comm"))); comm != "ordo-sandbox" {
		t.Errorf("the sandbox is named %q, want ordo-sandbox (forked by the shim, not exec'd)", comm)
	}
}

// A shim runs in its child only starts of its own binary: an agent of
// another build (an upgrade while the pod runs) gets its binary exec'd,
// whose flags the shim's code may not know. A warm runner's hold, which
// never execs its command, shows which binary it is.
func TestShimExecsAnotherBinary(t *testing.T) {
	r := testRuntime(t)
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "upgraded", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	other := filepath.Join(t.TempDir(), "ordo-next")
	copyFile(t, r.Binary, other)
	for _, c := range []struct {
		r    *Runtime
		want string
	}{{r, r.Binary}, {&Runtime{Binary: other}, other}} {
		h, f, err := NewHold()
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.r.StartContainer(ContainerConfig{Sandbox: sb, Hold: f, Argv: []string{"true"}, Env: []string{"PATH=/usr/bin:/bin"}})
		f.Close()
		if err != nil {
			h.Close()
			t.Fatal(err)
		}
		exe, err := os.Stat("/proc/" + strconv.Itoa(p.PID()) + "/exe")
		want, werr := os.Stat(c.want)
		if err != nil || werr != nil || !os.SameFile(exe, want) {
			t.Errorf("the hold of %s runs another binary (%v %v)", c.want, err, werr)
		}
		p.Signal(syscall.SIGKILL)
		<-p.Done()
		h.Close()
	}
}

// fdLinks are what pid's descriptors point to, in the order of their
// numbers.
func fdLinks(t *testing.T, pid int) []string {
	t.Helper()
	dir := "/proc/" + strconv.Itoa(pid) + "/fd"
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fds := make([]int, 0, len(ents))
	for _, e := range ents {
		n, _ := strconv.Atoi(e.Name())
		fds = append(fds, n)
	}
	var out []string
	for n := 0; len(out) < len(fds) && n < 1<<16; n++ {
		if l, err := os.Readlink(dir + "/" + strconv.Itoa(n)); err == nil {
			out = append(out, l)
		}
	}
	return out
}

func statusField(t *testing.T, pid int, name string) string {
	t.Helper()
	for _, line := range strings.Split(string(mustRead(t, "/proc/"+strconv.Itoa(pid)+"/status")), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func procStrings(t *testing.T, pid int, file string) []string {
	t.Helper()
	return strings.Split(strings.TrimSuffix(string(mustRead(t, "/proc/"+strconv.Itoa(pid)+"/"+file)), "\x00"), "\x00")
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
