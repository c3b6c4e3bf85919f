// Package unsupported names the fields of a pod template that are valid
// Kubernetes, which ordo accepts, but which ordo does not act on yet. The
// API server returns them as a warning when a Pod, Job or CronJob is
// written (kubectl prints it), and the agent repeats it as an event when
// the pod starts, so no such field is ever silently ignored.
package unsupported

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Warning is the message for fields, or "" when there are none.
func Warning(fields []string) string {
	if len(fields) == 0 {
		return ""
	}
	return "ordo does not implement these fields yet and ignores them: " + strings.Join(fields, ", ")
}

// PodSpec lists the unsupported fields set in s, as field paths under
// prefix ("spec", or a template's "spec.template.spec").
func PodSpec(s *corev1.PodSpec, prefix string) []string {
	var out []string
	add := func(cond bool, path string) {
		if cond {
			out = append(out, prefix+"."+path)
		}
	}
	add(s.HostUsers != nil && !*s.HostUsers, "hostUsers")
	add(len(s.ReadinessGates) > 0, "readinessGates")
	add(s.RuntimeClassName != nil, "runtimeClassName")
	add(s.SetHostnameAsFQDN != nil && *s.SetHostnameAsFQDN, "setHostnameAsFQDN")
	add(s.Resources != nil, "resources")
	add(len(s.ResourceClaims) > 0, "resourceClaims")
	// The scheduler reads node and pod (anti-)affinity, but not a pod
	// affinity term's namespace labels or label keys.
	if a := s.Affinity; a != nil {
		if a.PodAffinity != nil {
			add(termsUseUnsupported(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution, a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution), "affinity.podAffinity")
		}
		if a.PodAntiAffinity != nil {
			add(termsUseUnsupported(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution, a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution), "affinity.podAntiAffinity")
		}
	}
	add(len(s.TopologySpreadConstraints) > 0, "topologySpreadConstraints")
	if sc := s.SecurityContext; sc != nil {
		add(sc.SeccompProfile != nil && sc.SeccompProfile.Type != corev1.SeccompProfileTypeUnconfined, "securityContext.seccompProfile")
		add(sc.SELinuxOptions != nil, "securityContext.seLinuxOptions")
		add(sc.AppArmorProfile != nil && sc.AppArmorProfile.Type != corev1.AppArmorProfileTypeUnconfined, "securityContext.appArmorProfile")
	}
	for i, c := range append(append([]corev1.Container{}, s.InitContainers...), s.Containers...) {
		path := fmt.Sprintf("containers[%s]", c.Name)
		if i < len(s.InitContainers) {
			path = fmt.Sprintf("initContainers[%s]", c.Name)
		}
		for _, f := range container(&c, i < len(s.InitContainers)) {
			add(true, path+"."+f)
		}
	}
	return dedupe(out)
}

// termsUseUnsupported: a pod affinity term selects namespaces by label, or
// uses matchLabelKeys/mismatchLabelKeys, which the scheduler ignores.
func termsUseUnsupported(required []corev1.PodAffinityTerm, preferred []corev1.WeightedPodAffinityTerm) bool {
	terms := append([]corev1.PodAffinityTerm(nil), required...)
	for _, w := range preferred {
		terms = append(terms, w.PodAffinityTerm)
	}
	for _, t := range terms {
		ns := t.NamespaceSelector
		if (ns != nil && (len(ns.MatchLabels) > 0 || len(ns.MatchExpressions) > 0)) || len(t.MatchLabelKeys) > 0 || len(t.MismatchLabelKeys) > 0 {
			return true
		}
	}
	return false
}

// container lists one container's unsupported fields.
func container(c *corev1.Container, init bool) []string {
	var out []string
	add := func(cond bool, path string) {
		if cond {
			out = append(out, path)
		}
	}
	// An init container's restartPolicy Always makes it a sidecar, which
	// the agent runs; a regular container's (ContainerRestartRules) is not
	// implemented.
	add(c.RestartPolicy != nil && !init, "restartPolicy")
	add(len(c.RestartPolicyRules) > 0, "restartPolicyRules")
	add(len(c.VolumeDevices) > 0, "volumeDevices")
	add(len(c.ResizePolicy) > 0, "resizePolicy")
	add(c.Lifecycle != nil && c.Lifecycle.StopSignal != nil, "lifecycle.stopSignal")
	for _, name := range slices.Sorted(maps.Keys(c.Resources.Limits)) {
		add(!enforcedLimit(name), "resources.limits["+string(name)+"]")
	}
	add(len(c.Resources.Claims) > 0, "resources.claims")
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.StartupProbe} {
		add(p != nil && p.TerminationGracePeriodSeconds != nil, "livenessProbe/startupProbe.terminationGracePeriodSeconds")
	}
	if sc := c.SecurityContext; sc != nil {
		add(sc.Privileged != nil && *sc.Privileged, "securityContext.privileged")
		add(sc.SeccompProfile != nil && sc.SeccompProfile.Type != corev1.SeccompProfileTypeUnconfined, "securityContext.seccompProfile")
		add(sc.SELinuxOptions != nil, "securityContext.seLinuxOptions")
		add(sc.AppArmorProfile != nil && sc.AppArmorProfile.Type != corev1.AppArmorProfileTypeUnconfined, "securityContext.appArmorProfile")
		add(sc.ProcMount != nil && *sc.ProcMount != corev1.DefaultProcMount, "securityContext.procMount")
	}
	return out
}

// enforcedLimit: the agent enforces cpu and memory limits in cgroups, and
// an extended resource (a name outside kubernetes.io, such as
// nvidia.com/gpu) has no effect in Kubernetes beyond the scheduler's
// accounting, which ordo's scheduler does: a pod asking for one waits
// Pending with "Insufficient <name>" on nodes that do not advertise it.
// ephemeral-storage and hugepages limits are accounted, not enforced.
func enforcedLimit(name corev1.ResourceName) bool {
	if name == corev1.ResourceCPU || name == corev1.ResourceMemory {
		return true
	}
	domain, _, qualified := strings.Cut(string(name), "/")
	return qualified && domain != "kubernetes.io" && !strings.HasSuffix(domain, ".kubernetes.io") && !strings.HasPrefix(string(name), corev1.DefaultResourceRequestsPrefix)
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
