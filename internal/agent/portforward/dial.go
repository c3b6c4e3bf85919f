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
			// A socket belongs to the namespace of the thread that creates it.
			// This thread enters the pod's namespace and is never unlocked, so
			// the runtime ends it with this goroutine instead of reusing it.
			runtime.LockOSThread()
			if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
				done <- result{err: fmt.Errorf("enter the pod's network namespace: %w", err)}
				return
			}
			c, err := dialLocalhost(ctx, port)
			done <- result{c, err}
		}()
		r := <-done
		return r.c, r.err
	}
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
