package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
)

// runGRPC calls the standard health service (grpc.health.v1.Health/Check)
// on the pod IP and port, for the service named in the probe ("" asks
// about the server as a whole), as the kubelet's gRPC prober does: it
// passes only on SERVING. A server that cannot be reached, does not
// answer in time, or does not implement the health protocol fails the
// probe (Failure, not Unknown), so a liveness probe on a wrong port
// restarts the container. Mode TLS connects over TLS without verifying
// the certificate, as httpGet's HTTPS scheme does.
func runGRPC(ctx context.Context, a *corev1.GRPCAction, t Target) outcome {
	if t.PodIP == "" {
		return errored(errors.New("no host to probe: the pod has no IP yet"))
	}
	addr := net.JoinHostPort(t.PodIP, strconv.Itoa(int(a.Port)))
	creds := insecure.NewCredentials()
	if a.Mode != nil && *a.Mode == corev1.GRPCProbeModeTLS {
		creds = credentials.NewTLS(&tls.Config{InsecureSkipVerify: true}) //nolint:gosec // probes do not verify, as the kubelet's
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds), grpc.WithUserAgent(userAgent))
	if err != nil {
		return errored(err)
	}
	defer func() { _ = conn.Close() }()
	service := ""
	if a.Service != nil {
		service = *a.Service
	}
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service}, grpc.WaitForReady(false))
	if err != nil {
		return failed(grpcFailure(ctx, service, addr, err))
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return failed(fmt.Sprintf("service unhealthy (responded with %q)", resp.GetStatus().String()))
	}
	return succeeded("")
}

// grpcFailure words a failed health call as the kubelet does.
func grpcFailure(ctx context.Context, service, addr string, err error) string {
	switch status.Code(err) {
	case codes.Unimplemented:
		return fmt.Sprintf("this server does not implement the grpc health protocol (grpc.health.v1.Health): %s", status.Convert(err).Message())
	case codes.DeadlineExceeded:
		if ctx.Err() != nil {
			return fmt.Sprintf("timeout: health rpc to %s did not complete in time", addr)
		}
	case codes.Unavailable:
		return fmt.Sprintf("failed to connect service %q at %s: %s", service, addr, status.Convert(err).Message())
	}
	return fmt.Sprintf("health rpc to %s failed: %v", addr, err)
}
