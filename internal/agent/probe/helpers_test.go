package probe

import (
	"net"
	"net/http/httptest"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// portOf is the port an httptest server (always on 127.0.0.1) listens on.
func portOf(t *testing.T, s *httptest.Server) int {
	t.Helper()
	return s.Listener.Addr().(*net.TCPAddr).Port
}

// container is a container with one named port, for named-port lookups.
func container(name string, port int) *corev1.Container {
	return &corev1.Container{Name: "app", Ports: []corev1.ContainerPort{{Name: name, ContainerPort: int32(port)}}}
}

// closedPort returns a 127.0.0.1 port nothing listens on (it was just freed).
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

func intPort(p int) intstr.IntOrString { return intstr.FromInt32(int32(p)) }
