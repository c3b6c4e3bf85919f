package probe

import (
	"context"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// A real gRPC server with the standard health service: SERVING passes,
// NOT_SERVING and an unknown service fail, as do a closed port and a
// server without the health service, which the kubelet also counts as
// failures (a liveness probe on a wrong port restarts the container).
func TestGRPC(t *testing.T) {
	withHealth := grpcServer(t, true)
	without := grpcServer(t, false)
	withHealth.health.SetServingStatus("db", healthpb.HealthCheckResponse_NOT_SERVING)
	tests := []struct {
		name    string
		port    int
		service *string
		want    Result
		msg     string
	}{
		{"serving", withHealth.port, nil, Success, ""},
		{"not serving", withHealth.port, ptr.To("db"), Failure, `Liveness probe failed: service unhealthy (responded with "NOT_SERVING")`},
		{"unknown service", withHealth.port, ptr.To("nope"), Failure, "Liveness probe failed: health rpc"},
		{"no health service", without.port, nil, Failure, "does not implement the grpc health protocol"},
		{"closed port", closedPort(t), nil, Failure, "Liveness probe failed: failed to connect service"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: int32(tc.port), Service: tc.service}}}
			got, msg := Do(context.Background(), Liveness, p, Target{PodIP: "127.0.0.1"})
			checkResult(t, got, msg, tc.want, tc.msg)
		})
	}
}

type testGRPCServer struct {
	port   int
	health *health.Server
}

func grpcServer(t *testing.T, withHealth bool) testGRPCServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	h := health.NewServer()
	if withHealth {
		healthpb.RegisterHealthServer(s, h)
	}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(s.Stop)
	return testGRPCServer{port: l.Addr().(*net.TCPAddr).Port, health: h}
}
