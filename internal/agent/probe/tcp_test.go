package probe

import (
	"context"
	"net"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	open := l.Addr().(*net.TCPAddr).Port
	closed := closedPort(t)
	tests := []struct {
		name string
		port intstr.IntOrString
		host string
		want Result
		msg  string
	}{
		{"listening", intPort(open), "", Success, ""},
		{"named port", intstr.FromString("db"), "", Success, ""},
		{"closed port", intPort(closed), "", Failure, "Liveness probe failed: dial tcp 127.0.0.1:"},
		{"explicit host", intPort(open), "127.0.0.1", Success, ""},
		{"unknown name", intstr.FromString("nope"), "", Unknown, "Liveness probe errored"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				TCPSocket: &corev1.TCPSocketAction{Port: tc.port, Host: tc.host}}}
			target := Target{PodIP: "127.0.0.1", Container: container("db", open)}
			if tc.host != "" {
				target.PodIP = "192.0.2.1" // would not answer: the host must win
			}
			got, msg := attempt(context.Background(), Liveness, p, target, 5*time.Second)
			checkResult(t, got, msg, tc.want, tc.msg)
		})
	}
}

func TestNoPodIP(t *testing.T) {
	p := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intPort(80)}}}
	got, msg := Do(context.Background(), Liveness, p, Target{})
	checkResult(t, got, msg, Unknown, "no IP")
}
