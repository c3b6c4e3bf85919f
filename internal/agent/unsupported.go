package agent

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// unsupportedFields lists the fields of a pod that ordo accepts (they are
// valid Kubernetes) but does not act on yet, by their field paths, so the
// agent can say so in a warning event instead of ignoring them silently.
func unsupportedFields(p *corev1.Pod) []string {
	var out []string
	add := func(cond bool, path string) {
		if cond {
			out = append(out, path)
		}
	}
	s := p.Spec
	add(s.HostUsers != nil && !*s.HostUsers, "spec.hostUsers")
	add(len(s.ReadinessGates) > 0, "spec.readinessGates")
	add(len(s.EphemeralContainers) > 0, "spec.ephemeralContainers")
	// The scheduler places pods by nodeName, nodeSelector, node affinity and
	// taints only.
	add(s.Affinity != nil && s.Affinity.PodAffinity != nil, "spec.affinity.podAffinity")
	add(s.Affinity != nil && s.Affinity.PodAntiAffinity != nil, "spec.affinity.podAntiAffinity")
	add(len(s.TopologySpreadConstraints) > 0, "spec.topologySpreadConstraints")
	containers := append(append([]corev1.Container{}, s.InitContainers...), s.Containers...)
	for i, c := range containers {
		path := fmt.Sprintf("spec.containers[%s]", c.Name)
		if i < len(s.InitContainers) {
			path = fmt.Sprintf("spec.initContainers[%s]", c.Name)
		}
		add(c.RestartPolicy != nil, path+".restartPolicy")
		add(c.Stdin || c.TTY, path+".stdin/tty")
		for _, port := range c.Ports {
			add(port.HostPort != 0 && !s.HostNetwork, path+".ports.hostPort")
		}
		if sc := c.SecurityContext; sc != nil {
			add(sc.Privileged != nil && *sc.Privileged, path+".securityContext.privileged")
			add(sc.Capabilities != nil, path+".securityContext.capabilities")
			add(sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem, path+".securityContext.readOnlyRootFilesystem")
			add(sc.RunAsNonRoot != nil && *sc.RunAsNonRoot, path+".securityContext.runAsNonRoot")
		}
	}
	return dedupe(out)
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// warnUnsupported emits one warning event naming the ignored fields.
func (a *Agent) warnUnsupported(p *corev1.Pod) {
	if fields := unsupportedFields(p); len(fields) > 0 {
		a.event(p, corev1.EventTypeWarning, "UnsupportedFields",
			"ordo does not implement these fields yet and ignores them: %s", strings.Join(fields, ", "))
	}
}
