package validation

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	supportedRestartPolicies = []corev1.RestartPolicy{corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}
	supportedDNSPolicies     = []corev1.DNSPolicy{corev1.DNSClusterFirstWithHostNet, corev1.DNSClusterFirst, corev1.DNSDefault, corev1.DNSNone}
	supportedTaintEffects    = []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute}
	supportedTolerationOps   = []corev1.TolerationOperator{corev1.TolerationOpEqual, corev1.TolerationOpExists}
)

// ValidatePod validates a new Pod: metadata (DNS-1123 subdomain name,
// namespaced) and its spec.
func ValidatePod(pod *corev1.Pod) field.ErrorList {
	errs := validateMeta(&pod.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	if len(pod.Spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "ephemeralContainers"), "cannot be set on create"))
	}
	return append(errs, validatePodBody(pod)...)
}

// validatePodBody holds the spec rules shared by create and update.
func validatePodBody(pod *corev1.Pod) field.ErrorList {
	specPath := field.NewPath("spec")
	errs := ValidatePodSpec(&pod.Spec, specPath)
	// Kubernetes checks image whitespace on pods only: pod templates have
	// historically used " " as a placeholder.
	for _, c := range []struct {
		ctrs []corev1.Container
		p    *field.Path
	}{{pod.Spec.InitContainers, specPath.Child("initContainers")}, {pod.Spec.Containers, specPath.Child("containers")}} {
		for i, ctr := range c.ctrs {
			if ctr.Image != "" && strings.TrimSpace(ctr.Image) != ctr.Image {
				errs = append(errs, field.Invalid(c.p.Index(i).Child("image"), ctr.Image, "must not have leading or trailing whitespace"))
			}
		}
	}
	return errs
}

// ValidatePodTemplateSpec validates the pod template of a workload: its
// labels and annotations (reported under the template path itself, as
// Kubernetes does) and its pod spec. Ephemeral containers are pod-only.
func ValidatePodTemplateSpec(t *corev1.PodTemplateSpec, p *field.Path) field.ErrorList {
	errs := metavalidation.ValidateLabels(t.Labels, p.Child("labels"))
	errs = append(errs, apivalidation.ValidateAnnotations(t.Annotations, p.Child("annotations"))...)
	errs = append(errs, ValidatePodSpec(&t.Spec, p.Child("spec"))...)
	if len(t.Spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(p.Child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
	}
	return errs
}

// ValidatePodSpec validates a pod spec as used by Pods and all templates.
func ValidatePodSpec(s *corev1.PodSpec, p *field.Path) field.ErrorList {
	vols, errs := validateVolumes(s.Volumes, p.Child("volumes"))
	errs = append(errs, validateContainers(s.Containers, vols, s.HostNetwork, p.Child("containers"))...)
	errs = append(errs, validateInitContainers(s.InitContainers, vols, s.HostNetwork, p.Child("initContainers"))...)
	errs = append(errs, validateContainerNames(s, p)...)
	errs = append(errs, validateHostPorts(s, p)...)
	errs = append(errs, validateRestartPolicy(s.RestartPolicy, p.Child("restartPolicy"))...)
	errs = append(errs, validateDNSPolicy(s, p)...)
	errs = append(errs, metavalidation.ValidateLabels(s.NodeSelector, p.Child("nodeSelector"))...)
	errs = append(errs, validatePodSecurityContext(s.SecurityContext, p.Child("securityContext"))...)
	errs = append(errs, validateSysctls(s, p.Child("securityContext", "sysctls"))...)
	errs = append(errs, validateTolerations(s.Tolerations, p.Child("tolerations"))...)
	errs = append(errs, validatePodNames(s, p)...)
	if g := s.TerminationGracePeriodSeconds; g != nil {
		errs = append(errs, nonNegative(*g, p.Child("terminationGracePeriodSeconds"))...)
	}
	if d := s.ActiveDeadlineSeconds; d != nil {
		errs = append(errs, inRange1MaxInt32(*d, p.Child("activeDeadlineSeconds"))...)
	}
	for i, sec := range s.ImagePullSecrets {
		if sec.Name == "" {
			errs = append(errs, field.Required(p.Child("imagePullSecrets").Index(i).Child("name"), ""))
		}
	}
	errs = append(errs, validateSchedulingGates(s.SchedulingGates, p.Child("schedulingGates"))...)
	if s.ShareProcessNamespace != nil && *s.ShareProcessNamespace && s.HostPID {
		errs = append(errs, field.Invalid(p.Child("shareProcessNamespace"), *s.ShareProcessNamespace, "ShareProcessNamespace and HostPID cannot both be enabled"))
	}
	for i, ha := range s.HostAliases {
		errs = append(errs, validIP(ha.IP, p.Child("hostAliases").Index(i).Child("ip"))...)
	}
	return errs
}

// validatePodNames checks the names a pod spec carries: hostname and
// subdomain become DNS labels; node and service account are object names.
func validatePodNames(s *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.Hostname != "" {
		errs = append(errs, dnsLabel(s.Hostname, p.Child("hostname"))...)
	}
	if s.Subdomain != "" {
		errs = append(errs, dnsLabel(s.Subdomain, p.Child("subdomain"))...)
	}
	if s.NodeName != "" {
		errs = append(errs, dnsSubdomain(s.NodeName, p.Child("nodeName"))...)
	}
	if s.ServiceAccountName != "" {
		errs = append(errs, dnsSubdomain(s.ServiceAccountName, p.Child("serviceAccountName"))...)
	}
	return errs
}

func validateRestartPolicy(v corev1.RestartPolicy, p *field.Path) field.ErrorList {
	switch v {
	case corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
		return nil
	case "":
		return field.ErrorList{field.Required(p, "")}
	}
	return field.ErrorList{field.NotSupported(p, v, supportedRestartPolicies)}
}

// validateDNSPolicy checks dnsPolicy, and that policy None comes with the
// dnsConfig it depends on.
func validateDNSPolicy(s *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	dp := p.Child("dnsPolicy")
	switch s.DNSPolicy {
	case corev1.DNSClusterFirstWithHostNet, corev1.DNSClusterFirst, corev1.DNSDefault:
	case corev1.DNSNone:
		if s.DNSConfig == nil {
			errs = append(errs, field.Required(p.Child("dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None"))
		}
	case "":
		errs = append(errs, field.Required(dp, ""))
	default:
		errs = append(errs, field.NotSupported(dp, s.DNSPolicy, supportedDNSPolicies))
	}
	if c := s.DNSConfig; c != nil {
		for i, ns := range c.Nameservers {
			errs = append(errs, validIP(ns, p.Child("dnsConfig", "nameservers").Index(i))...)
		}
		if s.DNSPolicy == corev1.DNSNone && len(c.Nameservers) == 0 {
			errs = append(errs, field.Required(p.Child("dnsConfig", "nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None"))
		}
	}
	return errs
}

// validateTolerations applies Kubernetes' toleration rules: a key-less
// toleration must be Exists, Exists takes no value, tolerationSeconds only
// makes sense for NoExecute.
func validateTolerations(ts []corev1.Toleration, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range ts {
		ip := p.Index(i)
		if t.Key != "" {
			errs = append(errs, qualifiedName(t.Key, ip.Child("key"))...)
		}
		if t.Key == "" && t.Operator != corev1.TolerationOpExists {
			errs = append(errs, field.Invalid(ip.Child("operator"), t.Operator,
				"operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
		}
		if t.TolerationSeconds != nil && t.Effect != corev1.TaintEffectNoExecute {
			errs = append(errs, field.Invalid(ip.Child("effect"), t.Effect,
				"effect must be 'NoExecute' when `tolerationSeconds` is set"))
		}
		switch t.Operator {
		case corev1.TolerationOpEqual, "":
			errs = append(errs, labelValue(t.Value, ip.Child("value"))...)
		case corev1.TolerationOpExists:
			if t.Value != "" {
				errs = append(errs, field.Invalid(ip.Child("operator"), t.Value, "value must be empty when `operator` is 'Exists'"))
			}
		default:
			errs = append(errs, field.NotSupported(ip.Child("operator"), t.Operator, supportedTolerationOps))
		}
		if t.Effect != "" {
			errs = append(errs, validateTaintEffect(t.Effect, ip.Child("effect"))...)
		}
	}
	return errs
}

func validateTaintEffect(e corev1.TaintEffect, p *field.Path) field.ErrorList {
	switch e {
	case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		return nil
	}
	return field.ErrorList{field.NotSupported(p, e, supportedTaintEffects)}
}

func validateSchedulingGates(gates []corev1.PodSchedulingGate, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, g := range gates {
		errs = append(errs, qualifiedName(g.Name, p.Index(i))...)
		if seen.Has(g.Name) {
			errs = append(errs, field.Duplicate(p.Index(i), g.Name))
		}
		seen.Insert(g.Name)
	}
	return errs
}

// ValidatePodStatusUpdate validates a write to pods/status: metadata update
// rules plus well-formed IPs and non-negative restart counts.
func ValidatePodStatusUpdate(pod, old *corev1.Pod) field.ErrorList {
	errs := validateMetaUpdate(&pod.ObjectMeta, &old.ObjectMeta)
	sp := field.NewPath("status")
	if pod.Status.HostIP != "" {
		errs = append(errs, validIP(pod.Status.HostIP, sp.Child("hostIP"))...)
	}
	for i, ip := range pod.Status.PodIPs {
		errs = append(errs, validIP(ip.IP, sp.Child("podIPs").Index(i).Child("ip"))...)
	}
	for i, cs := range pod.Status.ContainerStatuses {
		errs = append(errs, nonNegative(int64(cs.RestartCount), sp.Child("containerStatuses").Index(i).Child("restartCount"))...)
	}
	for i, cs := range pod.Status.InitContainerStatuses {
		errs = append(errs, nonNegative(int64(cs.RestartCount), sp.Child("initContainerStatuses").Index(i).Child("restartCount"))...)
	}
	return errs
}
