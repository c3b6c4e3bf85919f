package agent

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestSysctlAdmission(t *testing.T) {
	pod := func(hostNet, hostIPC bool, names ...string) *corev1.Pod {
		p := &corev1.Pod{Spec: corev1.PodSpec{HostNetwork: hostNet, HostIPC: hostIPC, SecurityContext: &corev1.PodSecurityContext{}}}
		for _, n := range names {
			p.Spec.SecurityContext.Sysctls = append(p.Spec.SecurityContext.Sysctls, corev1.Sysctl{Name: n, Value: "1"})
		}
		return p
	}
	for _, tc := range []struct {
		name   string
		pod    *corev1.Pod
		unsafe []string
		want   string
	}{
		{"no sysctls", &corev1.Pod{}, nil, ""},
		{"safe", pod(false, false, "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range"), nil, ""},
		{"safe, slash separators", pod(false, false, "kernel/shm_rmid_forced"), nil, ""},
		{"unsafe, not allowed", pod(false, false, "kernel.msgmax"), nil, `forbidden sysctl: "kernel.msgmax" not allowlisted`},
		{"unsafe, allowed by name", pod(false, false, "kernel.msgmax"), []string{"kernel.msgmax"}, ""},
		{"unsafe, allowed by prefix", pod(false, false, "net.core.somaxconn"), []string{"net.core.*"}, ""},
		{"prefix is a prefix", pod(false, false, "net.ipv6.conf.all.forwarding"), []string{"net.core.*"}, `forbidden sysctl: "net.ipv6.conf.all.forwarding" not allowlisted`},
		{"safe net sysctl on the host network", pod(true, false, "net.ipv4.tcp_syncookies"), nil, `forbidden sysctl: "net.ipv4.tcp_syncookies" not allowed with host Net enabled`},
		{"IPC sysctl with hostIPC", pod(false, true, "kernel.shm_rmid_forced"), nil, `forbidden sysctl: "kernel.shm_rmid_forced" not allowed with host IPC enabled`},
	} {
		if got := forbiddenSysctl(tc.pod, tc.unsafe); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCheckUnsafeSysctls(t *testing.T) {
	if err := CheckUnsafeSysctls([]string{"kernel.msg*", "net.core.somaxconn", "fs.mqueue.*", "kernel.sem"}); err != nil {
		t.Errorf("namespaced sysctls refused: %v", err)
	}
	for _, bad := range []string{"vm.swappiness", "kernel.*", "user.max_user_namespaces"} {
		if err := CheckUnsafeSysctls([]string{bad}); err == nil {
			t.Errorf("%s accepted: it is node-wide", bad)
		}
	}
}
