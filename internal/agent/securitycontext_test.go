package agent

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestRunAsNonRootIsEnforced(t *testing.T) {
	pod := func(podNonRoot, containerNonRoot *bool) (*corev1.Pod, *corev1.Container) {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u"},
			Spec: corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: podNonRoot},
				Containers: []corev1.Container{{Name: "c", SecurityContext: &corev1.SecurityContext{RunAsNonRoot: containerNonRoot}}}}}
		return p, &p.Spec.Containers[0]
	}
	for _, tc := range []struct {
		name               string
		podNR, containerNR *bool
		uid                *int64
		wantErr            string
	}{
		{"not asked", nil, nil, nil, ""},
		{"pod asks, no user: the image would run as root", ptr.To(true), nil, nil, "container has runAsNonRoot and image will run as root"},
		{"pod asks, uid 0", ptr.To(true), nil, ptr.To(int64(0)), "container's runAsUser breaks non-root policy"},
		{"pod asks, uid 1000", ptr.To(true), nil, ptr.To(int64(1000)), ""},
		{"container overrides the pod", ptr.To(true), ptr.To(false), nil, ""},
		{"container asks", nil, ptr.To(true), nil, "image will run as root"},
	} {
		p, c := pod(tc.podNR, tc.containerNR)
		err := nonRootViolation(p, c, tc.uid)
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}
