package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The container start once kept at most 8 --hide and --cgroup arguments and
// 256 --mount arguments and silently dropped the rest: a ninth hidden
// directory stayed readable inside the container. These tests run each list
// at the old limit and past it.

func TestEveryHiddenDirectoryIsHidden(t *testing.T) {
	for _, n := range []int{8, 9, 12} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r := testRuntime(t)
			var cat []string
			for i := 0; i < n; i++ {
				dir, err := os.MkdirTemp("/var/tmp", "ordo-hide-")
				if err != nil {
					t.Fatal(err)
				}
				defer os.RemoveAll(dir)
				os.WriteFile(filepath.Join(dir, "key"), []byte("SECRET\n"), 0o600)
				r.Hide = append(r.Hide, dir)
				cat = append(cat, filepath.Join(dir, "key"))
			}
			got := runIn(t, r, nil, nil, "cat "+strings.Join(cat, " ")+" 2>/dev/null; echo done")
			if strings.Contains(got, "SECRET") || !strings.Contains(got, "done") {
				t.Errorf("with %d hidden directories, a key was readable:\n%s", n, got)
			}
		})
	}
}

func TestEveryMountIsMounted(t *testing.T) {
	for _, n := range []int{256, 257, 300} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r := testRuntime(t)
			src := t.TempDir()
			var mounts []Mount
			for i := 0; i < n; i++ {
				dir := filepath.Join(src, fmt.Sprint(i))
				os.Mkdir(dir, 0o755)
				os.WriteFile(filepath.Join(dir, "f"), []byte(fmt.Sprintln(i)), 0o644)
				mounts = append(mounts, Mount{Source: dir, Target: fmt.Sprintf("/m/%d", i), ReadOnly: true})
			}
			got := runIn(t, r, mounts, nil, "cat /m/*/f | wc -l")
			if strings.TrimSpace(got) != fmt.Sprint(n) {
				t.Errorf("%d mounts asked for, the container saw %q", n, got)
			}
		})
	}
}

func TestEveryCgroupIsEntered(t *testing.T) {
	for _, n := range []int{8, 9, 10} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			r := testRuntime(t)
			cg, err := DetectCgroups("ordo-test-limits")
			if err != nil {
				t.Skip("no cgroups:", err)
			}
			defer cg.RemoveParent()
			// n directories: on cgroup v1 each run has two or three (memory,
			// cpu, and cpuacct when mounted apart).
			var dirs []string
			i := 0
			for ; len(dirs) < n; i++ {
				id := fmt.Sprintf("c%d", i)
				d, err := cg.Create(id, Limits{})
				if err != nil {
					t.Fatal(err)
				}
				defer cg.Remove(id)
				dirs = append(dirs, d...)
			}
			// Each --cgroup moves the process; in one hierarchy the last wins.
			got := runIn(t, r, nil, dirs, "cat /proc/self/cgroup")
			last := fmt.Sprintf("/ordo-test-limits/c%d\n", i-1)
			if !strings.Contains(got, last) {
				t.Errorf("with %d cgroups the container is not in the last one (%s):\n%s", n, strings.TrimSpace(last), got)
			}
		})
	}
}

// runIn runs script in a host-network sandbox with the given mounts and
// cgroups and returns its output.
func runIn(t *testing.T, r *Runtime, mounts []Mount, cgroups []string, script string) string {
	t.Helper()
	sb, err := r.StartSandbox(SandboxConfig{Hostname: "limits", HostNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Stop()
	var out buffer
	p, err := r.StartContainer(ContainerConfig{
		Sandbox: sb, Env: []string{"PATH=/usr/bin:/bin"}, Stdout: &out, Stderr: &out,
		Argv: []string{"sh", "-c", script}, Mounts: mounts, Cgroups: cgroups,
	})
	if err != nil {
		t.Fatal(err)
	}
	<-p.Done()
	return out.String()
}
