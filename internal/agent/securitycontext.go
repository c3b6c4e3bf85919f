package agent

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// nonRootViolation is the kubelet's runAsNonRoot check, from the container's
// setting or else the pod's. ordo has no image to read a USER from, so a
// container that names no user runs as root, as an image without USER does,
// and is refused, with the kubelet's messages.
func nonRootViolation(p *corev1.Pod, c *corev1.Container, uid *int64) error {
	var nonRoot *bool
	if sc := p.Spec.SecurityContext; sc != nil {
		nonRoot = sc.RunAsNonRoot
	}
	if sc := c.SecurityContext; sc != nil && sc.RunAsNonRoot != nil {
		nonRoot = sc.RunAsNonRoot
	}
	if nonRoot == nil || !*nonRoot {
		return nil
	}
	who := fmt.Sprintf("(pod: %q, container: %s)", p.Name+"_"+p.Namespace+"("+string(p.UID)+")", c.Name)
	if uid == nil {
		return fmt.Errorf("container has runAsNonRoot and image will run as root %s", who)
	}
	if *uid == 0 {
		return fmt.Errorf("container's runAsUser breaks non-root policy %s", who)
	}
	return nil
}

// supplementalGroups are the pod's supplementalGroups, which every
// container's process gets.
func supplementalGroups(p *corev1.Pod) []int64 {
	sc := p.Spec.SecurityContext
	if sc == nil {
		return nil
	}
	groups := append([]int64{}, sc.SupplementalGroups...)
	if sc.FSGroup != nil && !slices.Contains(groups, *sc.FSGroup) {
		groups = append(groups, *sc.FSGroup) // the volumes' group (fsgroup.go)
	}
	return groups
}

// noNewPrivileges is allowPrivilegeEscalation: false.
func noNewPrivileges(c *corev1.Container) bool {
	sc := c.SecurityContext
	return sc != nil && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation
}
