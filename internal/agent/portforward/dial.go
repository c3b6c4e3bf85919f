package portforward

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// dialTimeout bounds one connection attempt to the pod's port.
const dialTimeout = 10 * time.Second

// HostDialer reaches the host's localhost: the pod's own for a pod on the
// host network.
func HostDialer(ctx context.Context, port uint16) (net.Conn, error) {
	return dialLocalhost(ctx, port)
}

// NetnsDialer reaches localhost inside the network namespace open as ns (a
// pod sandbox's /proc/<pid>/ns/net), where a server bound to 127.0.0.1 in the
// pod listens; the pod's IP would miss it. ns must stay open while dialing.
func NetnsDialer(ns *os.File) DialFunc {
	return func(ctx context.Context, port uint16) (net.Conn, error) {
		type result struct {
			c   net.Conn
			err error
		}
		done := make(chan result, 1)
		go func() {
			// A socket belongs to the namespace of the thread that creates
			// it, so this goroutine holds its thread while inside the pod's
			// namespace, then switches back and releases it. The thread must
			// not die: a child's parent-death signal follows the thread that
			// forked it, and any agent thread may have forked a pod process.
			runtime.LockOSThread()
			c, restored, err := dialInNetns(ctx, ns, port)
			if restored {
				runtime.UnlockOSThread()
			} // else the thread is left locked and ends with the goroutine
			done <- result{c, err}
		}()
		r := <-done
		return r.c, r.err
	}
}

// dialInNetns dials localhost:port from the calling (locked) thread after
// entering ns, and reports whether the thread is back in its own namespace.
func dialInNetns(ctx context.Context, ns *os.File, port uint16) (net.Conn, bool, error) {
	own, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, true, fmt.Errorf("open the agent's network namespace: %w", err)
	}
	defer own.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return nil, true, fmt.Errorf("enter the pod's network namespace: %w", err)
	}
	c, err := dialLocalhost(ctx, port)
	return c, unix.Setns(int(own.Fd()), unix.CLONE_NEWNET) == nil, err
}

// dialLocalhost tries 127.0.0.1 and then ::1, as container runtimes do, and
// reports the IPv4 error when both fail.
func dialLocalhost(ctx context.Context, port uint16) (net.Conn, error) {
	d := net.Dialer{Timeout: dialTimeout}
	p := strconv.Itoa(int(port))
	c, err := d.DialContext(ctx, "tcp4", net.JoinHostPort("127.0.0.1", p))
	if err == nil {
		return c, nil
	}
	if c6, err6 := d.DialContext(ctx, "tcp6", net.JoinHostPort("::1", p)); err6 == nil {
		return c6, nil
	}
	return nil, err
}
