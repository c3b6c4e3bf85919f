package agent

import (
	"reflect"
	"testing"

	"github.com/ordo-dev/ordo/internal/runtime"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestSandboxConfigFollowsThePodsNamespaceFields(t *testing.T) {
	for _, tc := range []struct {
		name    string
		spec    corev1.PodSpec
		network bool
		want    runtime.SandboxConfig
	}{
		{"default", corev1.PodSpec{}, true, runtime.SandboxConfig{Hostname: "p", PID: runtime.PIDPerContainer}},
		{"no pod networking", corev1.PodSpec{}, false, runtime.SandboxConfig{Hostname: "p", HostNetwork: true}},
		{"shareProcessNamespace", corev1.PodSpec{ShareProcessNamespace: ptr.To(true)}, true,
			runtime.SandboxConfig{Hostname: "p", PID: runtime.PIDPod}},
		{"shareProcessNamespace false", corev1.PodSpec{ShareProcessNamespace: ptr.To(false)}, true,
			runtime.SandboxConfig{Hostname: "p"}},
		{"hostPID", corev1.PodSpec{HostPID: true}, true, runtime.SandboxConfig{Hostname: "p", PID: runtime.PIDHost}},
		{"hostPID wins", corev1.PodSpec{HostPID: true, ShareProcessNamespace: ptr.To(true)}, true,
			runtime.SandboxConfig{Hostname: "p", PID: runtime.PIDHost}},
		{"hostIPC and hostNetwork", corev1.PodSpec{HostIPC: true, HostNetwork: true}, true,
			runtime.SandboxConfig{Hostname: "p", HostIPC: true, HostNetwork: true}},
		{"sysctls, either separator", corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{Sysctls: []corev1.Sysctl{
			{Name: "kernel.shm_rmid_forced", Value: "1"}, {Name: "net/ipv4/conf/eth0.100/forwarding", Value: "0"},
			{Name: "net.ipv4.conf.eth0/100.rp_filter", Value: "2"}}}}, true,
			runtime.SandboxConfig{Hostname: "p", Sysctls: []runtime.Sysctl{{Path: "kernel/shm_rmid_forced", Value: "1"},
				{Path: "net/ipv4/conf/eth0.100/forwarding", Value: "0"}, {Path: "net/ipv4/conf/eth0.100/rp_filter", Value: "2"}}}},
	} {
		p := &corev1.Pod{Spec: tc.spec}
		p.Name = "p"
		if got := sandboxConfig(p, tc.network); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
