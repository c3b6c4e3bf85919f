package benchutil

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/ordo-dev/ordo/internal/testcluster"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Clients returns two unthrottled clients for srv: one for requests, and one
// for watching on a TCP connection of its own, as a separate process's would
// be. QPS < 0 disables client-go's token bucket: the benchmark measures the
// server, not the client's rate limiter.
func Clients(srv *testcluster.Server) (requests, watches *kubernetes.Clientset, err error) {
	cfg, wcfg, err := Configs(srv)
	if err != nil {
		return nil, nil, err
	}
	if requests, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, nil, err
	}
	if watches, err = kubernetes.NewForConfig(wcfg); err != nil {
		return nil, nil, err
	}
	return requests, watches, nil
}

// Configs are the client configurations behind Clients, for other clients
// (dynamic, apiextensions) that must behave the same way.
func Configs(srv *testcluster.Server) (requests, watches *rest.Config, err error) {
	cfg, err := srv.RESTConfig()
	if err != nil {
		return nil, nil, err
	}
	cfg.QPS, cfg.Burst = -1, 0
	wcfg := rest.CopyConfig(cfg)
	cfg.Timeout = 60 * time.Second
	// A distinct Dial function makes client-go's transport cache hand out a
	// separate transport, hence a separate TCP connection.
	wcfg.Dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return cfg, wcfg, nil
}

// StopServer stops the server gracefully and says how long that took, as a
// slow shutdown is worth noticing too.
func StopServer(srv *testcluster.Server) float64 {
	t0 := time.Now()
	srv.Stop()
	d := Round3(time.Since(t0).Seconds())
	Progress("server stopped (SIGTERM) in %.2fs", d)
	return d
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Progress prints a progress line; they start with '#' so the figures stand out.
func Progress(format string, args ...any) {
	fmt.Printf("# "+format+"\n", args...)
}
