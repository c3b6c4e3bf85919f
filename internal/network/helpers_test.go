package network

import (
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// The root tests never touch the machine's network. Each test makes its own
// anonymous "host" namespace (standing in for the node) and anonymous pod
// namespaces; the Network under test is bound to the test host namespace
// through its netlink handle. Namespaces are only ever entered on locked
// threads that are thrown away afterwards (a goroutine that exits while
// locked takes its thread with it), so no thread of the test binary is left
// in a foreign namespace and nothing needs restoring. Closing the handles in
// t.Cleanup destroys the namespaces and every interface in them.

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
}

// inNS runs fn on a throwaway OS thread inside ns.
func inNS(ns netns.NsHandle, fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := netns.Set(ns); err != nil {
			done <- err
			return
		}
		done <- fn()
	}()
	return <-done
}

// newNS creates an anonymous network namespace that lives until cleanup.
func newNS(t *testing.T) netns.NsHandle {
	t.Helper()
	var ns netns.NsHandle
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: netns.New moved this thread
		var err error
		ns, err = netns.New()
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatalf("new netns: %v", err)
	}
	t.Cleanup(func() { ns.Close() })
	return ns
}

// env is one test's node: a private host namespace with a Network in it.
type env struct {
	t    *testing.T
	host netns.NsHandle
	cfg  Config
	n    *Network
}

func newEnv(t *testing.T) *env {
	t.Helper()
	requireRoot(t)
	e := &env{t: t, host: newNS(t), cfg: Config{Bridge: "ordo0", PodCIDR: "10.42.0.0/16", StateDir: t.TempDir()}}
	e.n = e.open()
	checkRealHostUntouched(t, e.cfg.Bridge)
	return e
}

// open starts a Network on the env's host namespace, as an agent start does.
func (e *env) open() *Network {
	e.t.Helper()
	n, err := newAt(e.cfg, e.host)
	if err != nil {
		e.t.Fatalf("newAt: %v", err)
	}
	e.t.Cleanup(n.close)
	return n
}

// handle is a netlink handle in ns, for inspecting what the code built.
func handle(t *testing.T, ns netns.NsHandle) *netlink.Handle {
	t.Helper()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatalf("netlink handle: %v", err)
	}
	t.Cleanup(h.Close)
	return h
}

// checkRealHostUntouched fails the test if, at its end, the machine's own
// namespace has a bridge of our name it did not have before.
func checkRealHostUntouched(t *testing.T, bridge string) {
	_, err := netlink.LinkByName(bridge)
	existed := err == nil
	t.Cleanup(func() {
		if _, err := netlink.LinkByName(bridge); err == nil && !existed {
			t.Errorf("the test created %s in the real host namespace", bridge)
		}
	})
}

// sandbox starts a process in a new network namespace, as the runtime
// starts a pod sandbox, and returns its pid. CLONE_NEWNET at clone time
// means there is no moment when /proc/<pid>/ns/net is still the parent's.
func sandbox(t *testing.T) int {
	t.Helper()
	// Pdeathsig fires when the OS thread that started the child exits, and
	// these tests discard threads they used to enter namespaces: keep the
	// test on this thread until the sandbox is gone.
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	cmd := exec.Command("sleep", "1000")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd.Process.Pid
}

// serve listens on addr inside ns and answers every connection with name.
func serve(t *testing.T, ns netns.NsHandle, addr, name string) {
	t.Helper()
	var ln net.Listener
	err := inNS(ns, func() (err error) {
		ln, err = net.Listen("tcp4", addr)
		return err
	})
	if err != nil {
		t.Fatalf("listen %s in %s: %v", addr, name, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte(name))
			c.Close()
		}
	}()
}

// ask connects from inside ns to addr and returns what the server said.
func ask(ns netns.NsHandle, addr string) (string, error) {
	var reply []byte
	err := inNS(ns, func() error {
		c, err := net.DialTimeout("tcp4", addr, 3*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(3 * time.Second))
		reply, err = io.ReadAll(c)
		return err
	})
	return string(reply), err
}

// mustAsk is ask that fails the test unless want answers.
func mustAsk(t *testing.T, ns netns.NsHandle, addr, want string) {
	t.Helper()
	got, err := ask(ns, addr)
	if err != nil || got != want {
		t.Fatalf("connect to %s: got %q, %v; want %q", addr, got, err, want)
	}
}
