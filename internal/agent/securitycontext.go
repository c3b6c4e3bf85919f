package agent

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// nonRootViolation is the kubelet's runAsNonRoot check, from the container's
// setting or else the pod's, with the kubelet's messages: uid is who the
// container runs as (nil: root, as on the host's root with no runAsUser),
// explicit says it is runAsUser rather than the image's user.
func nonRootViolation(p *corev1.Pod, c *corev1.Container, uid *int64, explicit bool) error {
	if !runAsNonRoot(p, c) {
		return nil
	}
	if uid == nil || (*uid == 0 && !explicit) {
		return fmt.Errorf("container has runAsNonRoot and image will run as root %s", podWho(p, c))
	}
	if *uid == 0 {
		return fmt.Errorf("container's runAsUser breaks non-root policy %s", podWho(p, c))
	}
	return nil
}

// runAsNonRoot is the container's runAsNonRoot, else the pod's.
func runAsNonRoot(p *corev1.Pod, c *corev1.Container) bool {
	var nonRoot *bool
	if sc := p.Spec.SecurityContext; sc != nil {
		nonRoot = sc.RunAsNonRoot
	}
	if sc := c.SecurityContext; sc != nil && sc.RunAsNonRoot != nil {
		nonRoot = sc.RunAsNonRoot
	}
	return nonRoot != nil && *nonRoot
}

// podWho names the container in the kubelet's runAsNonRoot errors.
func podWho(p *corev1.Pod, c *corev1.Container) string {
	return fmt.Sprintf("(pod: %q, container: %s)", p.Name+"_"+p.Namespace+"("+string(p.UID)+")", c.Name)
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
