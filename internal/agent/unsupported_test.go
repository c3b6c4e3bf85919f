package agent

import (
	"net"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestUnsupportedFieldsAreNamed(t *testing.T) {
	p := testPod(corev1.RestartPolicyAlways, []string{"init"}, "app")
	if got := unsupportedFields(p); len(got) != 0 {
		t.Fatalf("plain pod: %v", got)
	}
	// Implemented: the pod's PID and IPC namespace fields.
	p.Spec.ShareProcessNamespace = ptr.To(true)
	p.Spec.HostIPC = true
	p.Spec.HostPID = true
	p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{}}
	p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}}
	p.Spec.InitContainers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
	want := []string{
		"spec.affinity.podAntiAffinity",
		"spec.initContainers[init].securityContext.privileged",
		"spec.containers[app].ports.hostPort",
	}
	if got := unsupportedFields(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func TestPublishedAgentAddress(t *testing.T) {
	if got := publishedAddr(&net.TCPAddr{IP: net.IPv4zero, Port: 10250}, "192.0.2.7"); got != "192.0.2.7:10250" {
		t.Errorf("wildcard listener published as %s", got)
	}
	if got := publishedAddr(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}, "192.0.2.7"); got != "127.0.0.1:4000" {
		t.Errorf("loopback listener published as %s", got)
	}
}
