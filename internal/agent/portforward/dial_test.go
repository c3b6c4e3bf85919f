package portforward

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// listenInNewNetns makes a network namespace with only a loopback, where a
// server on 127.0.0.1 answers "inside"; it returns the namespace and port.
func listenInNewNetns(t *testing.T) (*os.File, uint16) {
	type result struct {
		ns  *os.File
		ln  net.Listener
		err error
	}
	done := make(chan result, 1)
	go func() {
		// Never unlocked: the thread dies with the goroutine, namespace and all.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			done <- result{err: err}
			return
		}
		lo, err := netlink.LinkByName("lo")
		if err == nil {
			err = netlink.LinkSetUp(lo)
		}
		if err != nil {
			done <- result{err: err}
			return
		}
		ns, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			done <- result{err: err}
			return
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		done <- result{ns, ln, err}
	}()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { _ = r.ln.Close(); _ = r.ns.Close() })
	go func() {
		for {
			c, err := r.ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "inside")
			_ = c.Close()
		}
	}()
	return r.ns, uint16(r.ln.Addr().(*net.TCPAddr).Port)
}

func TestNetnsDialerReachesLocalhostInsideTheNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	ns, port := listenInNewNetns(t)
	dial := NetnsDialer(ns)
	for range 3 { // each dial enters the namespace afresh
		c, err := dial(context.Background(), port)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(c)
		_ = c.Close()
		if string(got) != "inside" {
			t.Fatalf("read %q from the namespace's 127.0.0.1:%d", got, port)
		}
	}
}

func TestNetnsDialerReportsARefusedPort(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root")
	}
	ns, port := listenInNewNetns(t)
	if _, err := NetnsDialer(ns)(context.Background(), port+1); err == nil {
		t.Fatal("dialled a port nothing listens on")
	}
}
