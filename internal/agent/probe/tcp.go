package probe

import (
	"context"
	"net"

	corev1 "k8s.io/api/core/v1"
)

// runTCP passes when a TCP connection opens within the timeout (ctx's
// deadline); the connection is closed at once without sending anything.
func runTCP(ctx context.Context, a *corev1.TCPSocketAction, t Target) outcome {
	addr, err := hostPort(a.Host, a.Port, t)
	if err != nil {
		return errored(err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return failed(err.Error())
	}
	_ = conn.Close() // nothing was written; a close error changes nothing
	return succeeded("")
}
