package agent

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
)

// capabilityNumbers are Linux's capabilities by the names Kubernetes
// manifests use (without the CAP_ prefix).
var capabilityNumbers = map[string]int{
	"CHOWN": unix.CAP_CHOWN, "DAC_OVERRIDE": unix.CAP_DAC_OVERRIDE, "DAC_READ_SEARCH": unix.CAP_DAC_READ_SEARCH,
	"FOWNER": unix.CAP_FOWNER, "FSETID": unix.CAP_FSETID, "KILL": unix.CAP_KILL, "SETGID": unix.CAP_SETGID,
	"SETUID": unix.CAP_SETUID, "SETPCAP": unix.CAP_SETPCAP, "LINUX_IMMUTABLE": unix.CAP_LINUX_IMMUTABLE,
	"NET_BIND_SERVICE": unix.CAP_NET_BIND_SERVICE, "NET_BROADCAST": unix.CAP_NET_BROADCAST,
	"NET_ADMIN": unix.CAP_NET_ADMIN, "NET_RAW": unix.CAP_NET_RAW, "IPC_LOCK": unix.CAP_IPC_LOCK,
	"IPC_OWNER": unix.CAP_IPC_OWNER, "SYS_MODULE": unix.CAP_SYS_MODULE, "SYS_RAWIO": unix.CAP_SYS_RAWIO,
	"SYS_CHROOT": unix.CAP_SYS_CHROOT, "SYS_PTRACE": unix.CAP_SYS_PTRACE, "SYS_PACCT": unix.CAP_SYS_PACCT,
	"SYS_ADMIN": unix.CAP_SYS_ADMIN, "SYS_BOOT": unix.CAP_SYS_BOOT, "SYS_NICE": unix.CAP_SYS_NICE,
	"SYS_RESOURCE": unix.CAP_SYS_RESOURCE, "SYS_TIME": unix.CAP_SYS_TIME, "SYS_TTY_CONFIG": unix.CAP_SYS_TTY_CONFIG,
	"MKNOD": unix.CAP_MKNOD, "LEASE": unix.CAP_LEASE, "AUDIT_WRITE": unix.CAP_AUDIT_WRITE,
	"AUDIT_CONTROL": unix.CAP_AUDIT_CONTROL, "SETFCAP": unix.CAP_SETFCAP, "MAC_OVERRIDE": unix.CAP_MAC_OVERRIDE,
	"MAC_ADMIN": unix.CAP_MAC_ADMIN, "SYSLOG": unix.CAP_SYSLOG, "WAKE_ALARM": unix.CAP_WAKE_ALARM,
	"BLOCK_SUSPEND": unix.CAP_BLOCK_SUSPEND, "AUDIT_READ": unix.CAP_AUDIT_READ, "PERFMON": unix.CAP_PERFMON,
	"BPF": unix.CAP_BPF, "CHECKPOINT_RESTORE": unix.CAP_CHECKPOINT_RESTORE,
}

// defaultCapabilities are what a container gets without privileged or
// capabilities.add: containerd's and CRI-O's default set, which is what
// Kubernetes users' containers have.
var defaultCapabilities = []string{
	"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
	"SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
}

// allCapabilities is the mask of every capability named above.
func allCapabilities() uint64 {
	var all uint64
	for _, n := range capabilityNumbers {
		all |= 1 << n
	}
	return all
}

// containerCapabilities is the capability mask a container's process
// keeps, or nil for all of them (privileged): the default set, plus
// securityContext.capabilities.add, minus drop ("ALL" in either means
// every capability). An unknown name is an error naming it, so a typo
// never silently grants or keeps a capability.
func containerCapabilities(c *corev1.Container) (*uint64, error) {
	sc := c.SecurityContext
	if sc != nil && sc.Privileged != nil && *sc.Privileged {
		return nil, nil
	}
	keep, err := capabilityMask(defaultCapabilities)
	if err != nil {
		return nil, err
	}
	if sc == nil || sc.Capabilities == nil {
		return &keep, nil
	}
	add, err := capabilityMask(capNames(sc.Capabilities.Add))
	if err != nil {
		return nil, fmt.Errorf("securityContext.capabilities.add: %w", err)
	}
	drop, err := capabilityMask(capNames(sc.Capabilities.Drop))
	if err != nil {
		return nil, fmt.Errorf("securityContext.capabilities.drop: %w", err)
	}
	keep = (keep | add) &^ drop
	return &keep, nil
}

func capNames(caps []corev1.Capability) []string {
	out := make([]string, len(caps))
	for i, c := range caps {
		out[i] = string(c)
	}
	return out
}

// capabilityMask is the mask of names, each with or without CAP_, in
// any case; "ALL" is every capability.
func capabilityMask(names []string) (uint64, error) {
	var mask uint64
	for _, name := range names {
		n := strings.TrimPrefix(strings.ToUpper(name), "CAP_")
		if n == "ALL" {
			mask |= allCapabilities()
			continue
		}
		num, ok := capabilityNumbers[n]
		if !ok {
			return 0, fmt.Errorf("unknown capability %q", name)
		}
		mask |= 1 << num
	}
	return mask, nil
}
