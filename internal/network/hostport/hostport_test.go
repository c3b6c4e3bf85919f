package hostport

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestConflict(t *testing.T) {
	tcp := func(ip string, port int32) Port {
		return Port{Protocol: corev1.ProtocolTCP, HostIP: ip, HostPort: port}
	}
	udp := Port{Protocol: corev1.ProtocolUDP, HostIP: "10.0.0.1", HostPort: 80}
	for _, tc := range []struct {
		name string
		a, b Port
		want bool
	}{
		{"same address and port", tcp("10.0.0.1", 80), tcp("10.0.0.1", 80), true},
		{"different addresses", tcp("127.0.0.1", 80), tcp("10.0.0.1", 80), false},
		{"all addresses against one", tcp("", 80), tcp("10.0.0.1", 80), true},
		{"0.0.0.0 against one", tcp("10.0.0.1", 80), tcp("0.0.0.0", 80), true},
		{"other protocol", tcp("10.0.0.1", 80), udp, false},
		{"other port", tcp("", 80), tcp("", 81), false},
	} {
		if got := Conflict(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestOfDefaultsTheProtocol(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Ports: []corev1.ContainerPort{
		{ContainerPort: 8080, HostPort: 80}, {ContainerPort: 53, HostPort: 5353, Protocol: corev1.ProtocolUDP, HostIP: "127.0.0.1"}, {ContainerPort: 9090}}}}}}
	got := Of(p)
	if len(got) != 2 || got[0] != (Port{corev1.ProtocolTCP, "", 80, 8080}) || got[1] != (Port{corev1.ProtocolUDP, "127.0.0.1", 5353, 53}) {
		t.Errorf("%+v", got)
	}
}
