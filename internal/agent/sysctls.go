package agent

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/node/util/sysctl"

	"github.com/ordo-dev/ordo/internal/runtime"
)

// reasonSysctlForbidden is the kubelet's pod status reason (and event
// reason) for a pod asking for a sysctl the node does not allow.
const reasonSysctlForbidden = "SysctlForbidden"

// safeSysctls are the kubelet's safe sysctls: namespaced, so that setting
// them in one pod cannot change another pod or the node, and allowed on
// every node without --allowed-unsafe-sysctls.
var safeSysctls = []string{
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
	"net.ipv4.tcp_rmem",
	"net.ipv4.tcp_wmem",
}

// CheckUnsafeSysctls validates --allowed-unsafe-sysctls as the kubelet
// does: each entry is a sysctl name or a prefix ending in "*", and must be
// namespaced (IPC, net or UTS): a node-wide sysctl set for one pod would
// change the whole machine. Unlike the kubelet it refuses user.* too: a
// pod shares the host's user namespace, so those are node-wide here.
func CheckUnsafeSysctls(patterns []string) error {
	for _, p := range patterns {
		name := sysctl.NormalizeName(strings.TrimSuffix(p, "*"))
		if ns, _, _ := sysctl.GetNamespace(name); ns == sysctl.UnknownNamespace || ns == sysctl.UserNamespace {
			return fmt.Errorf("--allowed-unsafe-sysctls: %q is not a namespaced sysctl (kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.*, kernel.hostname, kernel.domainname)", p)
		}
	}
	return nil
}

// forbiddenSysctl is the kubelet's admission of a pod's sysctls: each
// must be safe or match --allowed-unsafe-sysctls (unsafe), and none may
// be of a namespace the pod shares with the host. It returns the
// rejection message, or "".
func forbiddenSysctl(p *corev1.Pod, unsafe []string) string {
	if p.Spec.SecurityContext == nil {
		return ""
	}
	for _, s := range p.Spec.SecurityContext.Sysctls {
		if err := sysctlAllowed(sysctl.NormalizeName(s.Name), p.Spec.HostNetwork, p.Spec.HostIPC, unsafe); err != "" {
			return "forbidden sysctl: " + err
		}
	}
	return ""
}

func sysctlAllowed(name string, hostNet, hostIPC bool, unsafe []string) string {
	listed := false
	for _, pattern := range append(append([]string{}, safeSysctls...), unsafe...) {
		prefix, isPrefix := strings.CutSuffix(sysctl.NormalizeName(pattern), "*")
		if name == prefix || (isPrefix && strings.HasPrefix(name, prefix)) {
			listed = true
			break
		}
	}
	if !listed {
		return fmt.Sprintf("%q not allowlisted", name)
	}
	switch ns, _, _ := sysctl.GetNamespace(name); {
	case ns == sysctl.IPCNamespace && hostIPC:
		return fmt.Sprintf("%q not allowed with host %s enabled", name, ns)
	case ns == sysctl.NetNamespace && hostNet:
		return fmt.Sprintf("%q not allowed with host %s enabled", name, ns)
	}
	return ""
}

// procSysPath is where a sysctl is written, relative to /proc/sys: the
// separators become '/', and in a name written with '/' separators the
// dots stay (net/ipv4/conf/eth0.100/forwarding, an interface eth0.100).
func procSysPath(name string) string {
	dotted := sysctl.NormalizeName(name)
	return strings.Map(func(r rune) rune {
		switch r {
		case '.':
			return '/'
		case '/':
			return '.'
		}
		return r
	}, dotted)
}

// podSysctls are the pod's sysctls for its sandbox, as /proc/sys paths.
func podSysctls(p *corev1.Pod) []runtime.Sysctl {
	if p.Spec.SecurityContext == nil {
		return nil
	}
	var out []runtime.Sysctl
	for _, s := range p.Spec.SecurityContext.Sysctls {
		out = append(out, runtime.Sysctl{Path: procSysPath(s.Name), Value: s.Value})
	}
	return out
}
