package unsupported

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestUnsupportedFieldsAreNamed(t *testing.T) {
	s := &corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "init"}},
		Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi"),
		}}}},
		// Implemented: the pod's PID and IPC namespace fields, cpu and memory,
		// pod anti-affinity as seed 003 writes it, priority (admission and
		// preemption).
		ShareProcessNamespace: ptr.To(true), HostIPC: true, HostPID: true,
		PriorityClassName: "high", Priority: ptr.To[int32](1000), PreemptionPolicy: ptr.To(corev1.PreemptNever),
		Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname",
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "redis"}}}}}}},
	}
	if got := PodSpec(s, "spec"); len(got) != 0 {
		t.Fatalf("a pod using only what ordo implements: %v", got)
	}
	// Not implemented: namespaces chosen by label.
	s.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution = []corev1.PodAffinityTerm{{TopologyKey: "kubernetes.io/hostname",
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}}}
	s.SecurityContext = &corev1.PodSecurityContext{FSGroup: ptr.To(int64(2000)), SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
	s.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}} // implemented: published by the agent
	s.Containers[0].Resources.Limits["nvidia.com/gpu"] = resource.MustParse("1")        // scheduled on, as in Kubernetes
	s.Containers[0].Resources.Limits[corev1.ResourceEphemeralStorage] = resource.MustParse("1Gi")
	// Implemented: allowPrivilegeEscalation false, fsGroup.
	s.InitContainers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true), AllowPrivilegeEscalation: ptr.To(false)}
	want := []string{
		"spec.template.spec.affinity.podAntiAffinity",
		"spec.template.spec.securityContext.seccompProfile",
		"spec.template.spec.initContainers[init].securityContext.privileged",
		"spec.template.spec.containers[app].resources.limits[ephemeral-storage]",
	}
	if got := PodSpec(s, "spec.template.spec"); !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
	if w := Warning(want[:1]); w != "ordo does not implement these fields yet and ignores them: spec.template.spec.affinity.podAntiAffinity" {
		t.Errorf("warning %q", w)
	}
	if Warning(nil) != "" {
		t.Error("no fields must give no warning")
	}
}
