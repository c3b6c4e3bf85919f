package hostclaim

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func bridge(name string) Resource { return Resource{What: "bridge", Name: name, Flag: "--bridge"} }

func podCIDR(cidr string) Resource {
	return Resource{What: "pod CIDR", Name: cidr, Flag: "--pod-cidr", CIDR: true, Detail: "cluster DNS x"}
}

func TestTakeRefusesWhatALiveHolderHas(t *testing.T) {
	dir := t.TempDir()
	first, err := Take(dir, "pid 1, data dir /a", []Resource{bridge("ordo0"), podCIDR("10.42.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		r    Resource
		want string
	}{
		{"same bridge", bridge("ordo0"), "bridge ordo0 is in use by another ordo (pid 1, data dir /a); choose another with --bridge"},
		{"same range", podCIDR("10.42.0.0/16"), "pod CIDR 10.42.0.0/16 (cluster DNS x) is in use by another ordo (pid 1, data dir /a); choose another with --pod-cidr"},
		{"range inside", podCIDR("10.42.7.0/24"), "pod CIDR 10.42.7.0/24 (cluster DNS x) overlaps 10.42.0.0/16, which is in use by another ordo"},
		{"range around", Resource{What: "service CIDR", Name: "10.0.0.0/8", Flag: "--service-cidr", CIDR: true}, "service CIDR 10.0.0.0/8 overlaps 10.42.0.0/16"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The valid resource first: a refused Take must hold nothing.
			_, err := Take(dir, "pid 2", []Resource{bridge("free0"), c.r})
			if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			again, err := Take(dir, "pid 2", []Resource{bridge("free0")})
			if err != nil {
				t.Fatalf("a refused Take kept its other claims: %v", err)
			}
			again.Release()
		})
	}
	other, err := Take(dir, "pid 3", []Resource{bridge("ordo1"), podCIDR("10.44.0.0/16")})
	if err != nil {
		t.Fatalf("disjoint resources refused: %v", err)
	}
	other.Release()
	first.Release()
	if c, err := Take(dir, "pid 4", []Resource{bridge("ordo0"), podCIDR("10.42.0.0/16")}); err != nil {
		t.Fatalf("released resources still refused: %v", err)
	} else {
		c.Release()
	}
}

// TestAKilledHolderHoldsNothing: the kernel drops a killed process's
// flock, so its claims do not outlive it.
func TestAKilledHolderHoldsNothing(t *testing.T) {
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("no flock(1)")
	}
	dir := t.TempDir()
	r := podCIDR("10.42.0.0/16")
	path := filepath.Join(dir, fileName(r))
	if err := os.WriteFile(path, []byte(r.Name+"\npid 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The shell locks the file and becomes sleep, which then holds it.
	holder := exec.Command("sh", "-c", "exec 9<>"+path+" && flock 9 && exec sleep 60")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Process.Kill()
	// Wait until the holder has the lock (a Take before that would sweep
	// the file away as stale, which is right for a claim nobody holds).
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, live := liveHolder(path); live {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the holder never locked its claim")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := Take(dir, "me", []Resource{podCIDR("10.42.1.0/24")}); !errors.Is(err, ErrInUse) {
		t.Fatalf("the live holder's range was not refused: %v", err)
	}
	holder.Process.Kill()
	holder.Wait()
	c, err := Take(dir, "me", []Resource{r})
	if err != nil {
		t.Fatalf("a killed holder's claim still refuses: %v", err)
	}
	c.Release()
}

// TestOneErrorNamesEveryConflict: a second server with default flags
// shares everything; it is told so at once, not one flag per attempt.
func TestOneErrorNamesEveryConflict(t *testing.T) {
	dir := t.TempDir()
	rs := []Resource{bridge("ordo0"), podCIDR("10.42.0.0/16")}
	first, err := Take(dir, "pid 1", rs)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()
	_, err = Take(dir, "pid 2", append([]Resource{bridge("free0")}, rs...))
	for _, want := range []string{"choose another with --bridge", "choose another with --pod-cidr"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	if c, err := Take(dir, "pid 2", []Resource{bridge("free0")}); err != nil {
		t.Errorf("the refused Take kept free0: %v", err)
	} else {
		c.Release()
	}
}

// TestStaleClaimFilesAreSwept: a claim file nobody holds (its process was
// killed) is removed by the next Take.
func TestStaleClaimFilesAreSwept(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "bridge-ordo7")
	if err := os.WriteFile(stale, []byte("pid 99\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Take(dir, "me", []Resource{bridge("ordo8")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale claim file is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bridge-ordo8")); err != nil {
		t.Errorf("the live claim's file is gone: %v", err)
	}
}

// deadPID is the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// TestAClaimOutlivingItsKilledHolderIsAwaited: a holder killed with -9
// while it was starting a child (between fork and exec) leaves its lock
// to that child for a moment; the next Take waits for it rather than
// calling the resource in use (TestServerKilledAtRandomPointsOfPodStartAndStop
// once found its data directory claimed on restart under load).
func TestAClaimOutlivingItsKilledHolderIsAwaited(t *testing.T) {
	for _, r := range []Resource{{What: "data directory", Name: "/a", Flag: "--data-dir"}, podCIDR("10.42.0.0/16")} {
		t.Run(r.What, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, fileName(r))
			text := rangeHeader(r) + fmt.Sprintf("pid %d, data dir /a\n", deadPID(t))
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			// The lock on another open file description, as the forked
			// child holds it; the child reaches exec 300 ms later.
			child, err := lockFile(path, unix.LOCK_EX)
			if err != nil {
				t.Fatal(err)
			}
			time.AfterFunc(300*time.Millisecond, func() { child.Close() })
			start := time.Now()
			c, err := Take(dir, "pid 2, data dir /a", []Resource{r})
			if err != nil {
				t.Fatalf("the claim of a dead holder, held on by its child, refused: %v", err)
			}
			c.Release()
			if waited := time.Since(start); waited < 250*time.Millisecond {
				t.Errorf("took the claim after %s, before the child let go", waited)
			}
		})
	}
}

// TestALiveHolderIsNotAwaited: a claim whose holder lives is refused at
// once.
func TestALiveHolderIsNotAwaited(t *testing.T) {
	dir := t.TempDir()
	first, err := Take(dir, fmt.Sprintf("pid %d, data dir /a", os.Getpid()), []Resource{bridge("ordo0")})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Release()
	start := time.Now()
	if _, err := Take(dir, "pid 2", []Resource{bridge("ordo0")}); !errors.Is(err, ErrInUse) {
		t.Fatalf("got %v, want in use", err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("refused after %s: a live holder is not waited for", waited)
	}
}
