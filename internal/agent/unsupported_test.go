package agent

import (
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
	p.Spec.ShareProcessNamespace = ptr.To(true)
	p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}}
	p.Spec.InitContainers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
	want := []string{
		"spec.shareProcessNamespace",
		"spec.initContainers[init].securityContext.privileged",
		"spec.containers[app].ports.hostPort",
	}
	if got := unsupportedFields(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}
