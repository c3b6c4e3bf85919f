package agent

import (
	"fmt"
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
		err := nonRootViolation(p, c, tc.uid, tc.uid != nil)
		if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}

// TestContainerCapabilities: the default set, add and drop (with or
// without CAP_, ALL), privileged keeping all, and unknown names refused.
func TestContainerCapabilities(t *testing.T) {
	bit := func(names ...string) uint64 {
		m, err := capabilityMask(names)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	def := bit(defaultCapabilities...)
	withCaps := func(add, drop []corev1.Capability, privileged *bool) *corev1.Container {
		return &corev1.Container{SecurityContext: &corev1.SecurityContext{Privileged: privileged, Capabilities: &corev1.Capabilities{Add: add, Drop: drop}}}
	}
	yes := true
	for _, tc := range []struct {
		name string
		c    *corev1.Container
		want *uint64
	}{
		{"no security context", &corev1.Container{}, &def},
		{"add NET_ADMIN, drop CAP_NET_RAW", withCaps([]corev1.Capability{"NET_ADMIN"}, []corev1.Capability{"CAP_NET_RAW"}, nil), ptr.To((def | bit("NET_ADMIN")) &^ bit("NET_RAW"))},
		{"drop ALL, add NET_BIND_SERVICE", withCaps([]corev1.Capability{"NET_BIND_SERVICE"}, []corev1.Capability{"ALL"}, nil), ptr.To(bit("NET_BIND_SERVICE") &^ bit("ALL"))},
		{"privileged", withCaps(nil, []corev1.Capability{"ALL"}, &yes), nil},
	} {
		got, err := containerCapabilities(tc.c)
		if err != nil || (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("%s: %v %v, want %v", tc.name, fmtMask(got), err, fmtMask(tc.want))
		}
	}
	if _, err := containerCapabilities(withCaps([]corev1.Capability{"NET_ADMN"}, nil, nil)); err == nil || !strings.Contains(err.Error(), `capabilities.add: unknown capability "NET_ADMN"`) {
		t.Errorf("a misspelt capability: %v", err)
	}
	if bit("NET_ADMIN") != 1<<12 || bit("chown") != 1 {
		t.Errorf("capability numbers: NET_ADMIN %x, chown %x", bit("NET_ADMIN"), bit("chown"))
	}
}

func fmtMask(m *uint64) string {
	if m == nil {
		return "all"
	}
	return fmt.Sprintf("%x", *m)
}

func TestFSGroupIsASupplementalGroup(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{SupplementalGroups: []int64{5, 7}, FSGroup: ptr.To[int64](7)}}}
	if got := supplementalGroups(p); len(got) != 2 {
		t.Errorf("groups %v: fsGroup already listed is not added twice", got)
	}
	p.Spec.SecurityContext.FSGroup = ptr.To[int64](9)
	if got := supplementalGroups(p); len(got) != 3 || got[2] != 9 {
		t.Errorf("groups %v, want fsGroup 9 added", got)
	}
}
