package validation

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	supportedPullPolicies      = []corev1.PullPolicy{corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever}
	supportedProtocols         = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}
	supportedTermMsgPolicies   = []corev1.TerminationMessagePolicy{corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError}
	supportedURISchemes        = []corev1.URIScheme{corev1.URISchemeHTTP, corev1.URISchemeHTTPS}
	supportedContainerResource = sets.New("cpu", "memory", "ephemeral-storage")
	// Field paths a fieldRef env var may read, as Kubernetes' downward API allows.
	supportedEnvFieldPaths = sets.New("metadata.name", "metadata.namespace", "metadata.uid",
		"spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs",
		"status.podIP", "status.podIPs")
	supportedResourceFieldRefs = sets.New("limits.cpu", "limits.memory", "limits.ephemeral-storage",
		"requests.cpu", "requests.memory", "requests.ephemeral-storage")
	// metadata.labels['k'] / metadata.annotations['k'] subscripts.
	envFieldSubscript = regexp.MustCompile(`^metadata\.(labels|annotations)\['(.+)'\]$`)
)

// containerKind tells validateContainer which per-kind rules apply.
type containerKind int

const (
	appContainer containerKind = iota
	initContainer
)

// validateContainers checks the app containers: at least one, then each.
func validateContainers(ctrs []corev1.Container, vols map[string]bool, hostNetwork bool, p *field.Path) field.ErrorList {
	if len(ctrs) == 0 {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	for i := range ctrs {
		errs = append(errs, validateContainer(&ctrs[i], appContainer, vols, hostNetwork, p.Index(i))...)
	}
	return errs
}

// validateInitContainers checks init containers, including sidecars
// (restartPolicy Always), which alone may carry probes and lifecycle hooks.
func validateInitContainers(ctrs []corev1.Container, vols map[string]bool, hostNetwork bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i := range ctrs {
		errs = append(errs, validateContainer(&ctrs[i], initContainer, vols, hostNetwork, p.Index(i))...)
	}
	return errs
}

// validateContainerNames reports duplicate names across init and app
// containers, which share one namespace in a pod.
func validateContainerNames(spec *corev1.PodSpec, specPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	check := func(ctrs []corev1.Container, p *field.Path) {
		for i, c := range ctrs {
			if c.Name == "" {
				continue
			}
			if seen.Has(c.Name) {
				errs = append(errs, field.Duplicate(p.Index(i).Child("name"), c.Name))
			}
			seen.Insert(c.Name)
		}
	}
	check(spec.InitContainers, specPath.Child("initContainers"))
	check(spec.Containers, specPath.Child("containers"))
	return errs
}

func validateContainer(c *corev1.Container, kind containerKind, vols map[string]bool, hostNetwork bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	} else {
		errs = append(errs, dnsLabel(c.Name, p.Child("name"))...)
	}
	if c.Image == "" {
		errs = append(errs, field.Required(p.Child("image"), ""))
	}
	errs = append(errs, validatePullPolicy(c.ImagePullPolicy, p.Child("imagePullPolicy"))...)
	errs = append(errs, validateTerminationMessagePolicy(c.TerminationMessagePolicy, p.Child("terminationMessagePolicy"))...)
	errs = append(errs, validateContainerPorts(c.Ports, hostNetwork, p.Child("ports"))...)
	errs = append(errs, validateEnv(c.Env, p.Child("env"))...)
	errs = append(errs, validateEnvFrom(c.EnvFrom, p.Child("envFrom"))...)
	errs = append(errs, validateVolumeMounts(c.VolumeMounts, vols, p.Child("volumeMounts"))...)
	errs = append(errs, validateResources(&c.Resources, p.Child("resources"))...)
	errs = append(errs, validateSecurityContext(c.SecurityContext, p.Child("securityContext"))...)
	errs = append(errs, validateContainerLifecycle(c, kind, p)...)
	return errs
}

// validateContainerLifecycle covers probes, hooks and the container-level
// restartPolicy. Plain init containers run to completion, so Kubernetes
// forbids probes and hooks on them; sidecars (restartPolicy Always) get them.
func validateContainerLifecycle(c *corev1.Container, kind containerKind, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	sidecar := false
	if kind == initContainer && c.RestartPolicy != nil {
		if *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecar = true
		} else {
			errs = append(errs, field.NotSupported(p.Child("restartPolicy"), *c.RestartPolicy,
				[]corev1.ContainerRestartPolicy{corev1.ContainerRestartPolicyAlways}))
		}
	}
	if kind == initContainer && !sidecar {
		const msg = "may not be set for init containers without restartPolicy=Always"
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"lifecycle", c.Lifecycle != nil}, {"livenessProbe", c.LivenessProbe != nil},
			{"readinessProbe", c.ReadinessProbe != nil}, {"startupProbe", c.StartupProbe != nil},
		} {
			if f.set {
				errs = append(errs, field.Forbidden(p.Child(f.name), msg))
			}
		}
		return errs
	}
	errs = append(errs, validateProbe(c.LivenessProbe, p.Child("livenessProbe"))...)
	errs = append(errs, validateProbe(c.ReadinessProbe, p.Child("readinessProbe"))...)
	errs = append(errs, validateProbe(c.StartupProbe, p.Child("startupProbe"))...)
	// Liveness and startup probes are pass/fail gates, so one success must
	// be enough, as Kubernetes requires.
	if pr := c.LivenessProbe; pr != nil && pr.SuccessThreshold != 1 {
		errs = append(errs, field.Invalid(p.Child("livenessProbe", "successThreshold"), pr.SuccessThreshold, "must be 1"))
	}
	if pr := c.StartupProbe; pr != nil && pr.SuccessThreshold != 1 {
		errs = append(errs, field.Invalid(p.Child("startupProbe", "successThreshold"), pr.SuccessThreshold, "must be 1"))
	}
	if c.Lifecycle != nil {
		if c.Lifecycle.PostStart != nil {
			errs = append(errs, validateLifecycleHandler(c.Lifecycle.PostStart, p.Child("lifecycle", "postStart"))...)
		}
		if c.Lifecycle.PreStop != nil {
			errs = append(errs, validateLifecycleHandler(c.Lifecycle.PreStop, p.Child("lifecycle", "preStop"))...)
		}
	}
	return errs
}

func validatePullPolicy(v corev1.PullPolicy, p *field.Path) field.ErrorList {
	switch v {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
		return nil
	case "":
		return field.ErrorList{field.Required(p, "")}
	}
	return field.ErrorList{field.NotSupported(p, v, supportedPullPolicies)}
}

func validateTerminationMessagePolicy(v corev1.TerminationMessagePolicy, p *field.Path) field.ErrorList {
	switch v {
	case corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError:
		return nil
	case "":
		return field.ErrorList{field.Required(p, "")}
	}
	return field.ErrorList{field.NotSupported(p, v, supportedTermMsgPolicies)}
}

// validateProtocol is shared by container, service and endpoint ports.
func validateProtocol(v corev1.Protocol, p *field.Path) field.ErrorList {
	switch v {
	case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		return nil
	case "":
		return field.ErrorList{field.Required(p, "")}
	}
	return field.ErrorList{field.NotSupported(p, v, supportedProtocols)}
}

func validateContainerPorts(ports []corev1.ContainerPort, hostNetwork bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, port := range ports {
		ip := p.Index(i)
		if port.Name != "" {
			errs = append(errs, msgsToErrs(utilvalidation.IsValidPortName(port.Name), port.Name, ip.Child("name"))...)
			if names.Has(port.Name) {
				errs = append(errs, field.Duplicate(ip.Child("name"), port.Name))
			}
			names.Insert(port.Name)
		}
		if port.ContainerPort == 0 {
			errs = append(errs, field.Required(ip.Child("containerPort"), ""))
		} else {
			errs = append(errs, portNum(port.ContainerPort, ip.Child("containerPort"))...)
		}
		if port.HostPort != 0 {
			errs = append(errs, portNum(port.HostPort, ip.Child("hostPort"))...)
		}
		if hostNetwork && port.HostPort != 0 && port.HostPort != port.ContainerPort {
			errs = append(errs, field.Invalid(ip.Child("containerPort"), port.ContainerPort, "must match `hostPort` when `hostNetwork` is true"))
		}
		errs = append(errs, validateProtocol(port.Protocol, ip.Child("protocol"))...)
	}
	return errs
}

// validateHostPorts reports a hostPort/protocol/hostIP claimed twice in a
// pod, which the node could never satisfy.
func validateHostPorts(spec *corev1.PodSpec, specPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	check := func(ctrs []corev1.Container, p *field.Path) {
		for i := range ctrs {
			for j, port := range ctrs[i].Ports {
				if port.HostPort == 0 {
					continue
				}
				key := fmt.Sprintf("%s/%s/%d", port.Protocol, port.HostIP, port.HostPort)
				if seen.Has(key) {
					errs = append(errs, field.Duplicate(p.Index(i).Child("ports").Index(j).Child("hostPort"), key))
				}
				seen.Insert(key)
			}
		}
	}
	check(spec.InitContainers, specPath.Child("initContainers"))
	check(spec.Containers, specPath.Child("containers"))
	return errs
}

func validateEnv(vars []corev1.EnvVar, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ev := range vars {
		ip := p.Index(i)
		if ev.Name == "" {
			errs = append(errs, field.Required(ip.Child("name"), ""))
		} else {
			// Kubernetes 1.34+ (RelaxedEnvironmentVariableValidation, GA):
			// any printable ASCII but '='.
			errs = append(errs, msgsToErrs(utilvalidation.IsRelaxedEnvVarName(ev.Name), ev.Name, ip.Child("name"))...)
		}
		errs = append(errs, validateEnvValueFrom(&ev, ip.Child("valueFrom"))...)
	}
	return errs
}

// validateEnvValueFrom requires exactly one source in valueFrom, and no
// literal value beside it, with Kubernetes' wording.
func validateEnvValueFrom(ev *corev1.EnvVar, p *field.Path) field.ErrorList {
	src := ev.ValueFrom
	if src == nil {
		return nil
	}
	var errs field.ErrorList
	n := 0
	add := func(set bool, check func() field.ErrorList) {
		if !set {
			return
		}
		if n >= 1 {
			errs = append(errs, field.Invalid(p, "", "may not have more than one field specified at a time"))
			return
		}
		n++
		errs = append(errs, check()...)
	}
	add(src.FieldRef != nil, func() field.ErrorList { return validateEnvFieldRef(src.FieldRef, p.Child("fieldRef")) })
	add(src.ResourceFieldRef != nil, func() field.ErrorList {
		return validateResourceFieldRef(src.ResourceFieldRef, p.Child("resourceFieldRef"))
	})
	add(src.ConfigMapKeyRef != nil, func() field.ErrorList {
		return validateKeyRef(src.ConfigMapKeyRef.Name, src.ConfigMapKeyRef.Key, p.Child("configMapKeyRef"))
	})
	add(src.SecretKeyRef != nil, func() field.ErrorList {
		return validateKeyRef(src.SecretKeyRef.Name, src.SecretKeyRef.Key, p.Child("secretKeyRef"))
	})
	add(src.FileKeyRef != nil, func() field.ErrorList { return validateFileKeyRef(src.FileKeyRef, p.Child("fileKeyRef")) })
	if n == 0 {
		errs = append(errs, field.Invalid(p, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	} else if ev.Value != "" {
		errs = append(errs, field.Invalid(p, "", "may not be specified when `value` is not empty"))
	}
	return errs
}

func validateEnvFieldRef(ref *corev1.ObjectFieldSelector, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if ref.APIVersion == "" {
		errs = append(errs, field.Required(p.Child("apiVersion"), ""))
	}
	fp := p.Child("fieldPath")
	switch {
	case ref.FieldPath == "":
		errs = append(errs, field.Required(fp, ""))
	case envFieldSubscript.MatchString(ref.FieldPath):
		key := envFieldSubscript.FindStringSubmatch(ref.FieldPath)[2]
		errs = append(errs, qualifiedName(strings.ToLower(key), fp)...)
	case !supportedEnvFieldPaths.Has(ref.FieldPath):
		errs = append(errs, field.NotSupported(fp, ref.FieldPath, sets.List(supportedEnvFieldPaths)))
	}
	return errs
}

func validateResourceFieldRef(ref *corev1.ResourceFieldSelector, p *field.Path) field.ErrorList {
	if ref.Resource == "" {
		return field.ErrorList{field.Required(p.Child("resource"), "")}
	}
	if !supportedResourceFieldRefs.Has(ref.Resource) && !strings.HasPrefix(ref.Resource, "requests.hugepages-") &&
		!strings.HasPrefix(ref.Resource, "limits.hugepages-") {
		return field.ErrorList{field.NotSupported(p.Child("resource"), ref.Resource, sets.List(supportedResourceFieldRefs))}
	}
	return nil
}

// validateKeyRef checks a configMapKeyRef/secretKeyRef: named object and key.
func validateKeyRef(name, key string, p *field.Path) field.ErrorList {
	errs := requiredName(name, p.Child("name"))
	if key == "" {
		return append(errs, field.Required(p.Child("key"), ""))
	}
	return append(errs, msgsToErrs(utilvalidation.IsConfigMapKey(key), key, p.Child("key"))...)
}

func validateFileKeyRef(ref *corev1.FileKeySelector, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if ref.VolumeName == "" {
		errs = append(errs, field.Required(p.Child("volumeName"), ""))
	}
	if ref.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	} else {
		errs = append(errs, validateRelativePath(ref.Path, p.Child("path"))...)
	}
	if ref.Key == "" {
		errs = append(errs, field.Required(p.Child("key"), ""))
	}
	return errs
}

func validateEnvFrom(srcs []corev1.EnvFromSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, s := range srcs {
		ip := p.Index(i)
		if s.Prefix != "" {
			errs = append(errs, msgsToErrs(utilvalidation.IsRelaxedEnvVarName(s.Prefix), s.Prefix, ip.Child("prefix"))...)
		}
		switch {
		case s.ConfigMapRef != nil && s.SecretRef != nil:
			errs = append(errs, field.Invalid(ip, "", "may not have more than one field specified at a time"))
		case s.ConfigMapRef != nil:
			errs = append(errs, requiredName(s.ConfigMapRef.Name, ip.Child("configMapRef", "name"))...)
		case s.SecretRef != nil:
			errs = append(errs, requiredName(s.SecretRef.Name, ip.Child("secretRef", "name"))...)
		default:
			errs = append(errs, field.Invalid(ip, "", "must specify one of: `configMapRef` or `secretRef`"))
		}
	}
	return errs
}

// validateVolumeMounts checks each mount names a pod volume and an absolute,
// unique mount path (a relative one has no meaning inside the container).
func validateVolumeMounts(mounts []corev1.VolumeMount, vols map[string]bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	paths := sets.New[string]()
	for i, m := range mounts {
		ip := p.Index(i)
		if m.Name == "" {
			errs = append(errs, field.Required(ip.Child("name"), ""))
		} else if !vols[m.Name] {
			errs = append(errs, field.NotFound(ip.Child("name"), m.Name))
		}
		mp := ip.Child("mountPath")
		switch {
		case m.MountPath == "":
			errs = append(errs, field.Required(mp, ""))
		case !path.IsAbs(m.MountPath):
			errs = append(errs, field.Invalid(mp, m.MountPath, "must be an absolute path"))
		case paths.Has(m.MountPath):
			errs = append(errs, field.Invalid(mp, m.MountPath, "must be unique"))
		}
		paths.Insert(m.MountPath)
		if m.SubPath != "" {
			errs = append(errs, validateRelativePath(m.SubPath, ip.Child("subPath"))...)
		}
		if m.SubPath != "" && m.SubPathExpr != "" {
			errs = append(errs, field.Invalid(ip.Child("subPathExpr"), m.SubPathExpr, "subPathExpr and subPath are mutually exclusive"))
		}
	}
	return errs
}

// validateRelativePath is Kubernetes' rule for paths inside a volume: not
// absolute and never escaping upwards with "..".
func validateRelativePath(value string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if path.IsAbs(value) {
		errs = append(errs, field.Invalid(p, value, "must be a relative path"))
	}
	for _, part := range strings.Split(value, "/") {
		if part == ".." {
			errs = append(errs, field.Invalid(p, value, "must not contain '..'"))
			break
		}
	}
	return errs
}

// validateResources checks resource names and quantities, and that no
// request exceeds its limit (Kubernetes' "must be less than or equal to"
// wording).
func validateResources(r *corev1.ResourceRequirements, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	lp, rp := p.Child("limits"), p.Child("requests")
	for name, q := range r.Limits {
		errs = append(errs, validateContainerResourceName(string(name), lp.Key(string(name)))...)
		errs = append(errs, nonNegativeQuantity(q, lp.Key(string(name)))...)
	}
	for name, q := range r.Requests {
		kp := rp.Key(string(name))
		errs = append(errs, validateContainerResourceName(string(name), kp)...)
		errs = append(errs, nonNegativeQuantity(q, kp)...)
		limit, ok := r.Limits[name]
		if !ok {
			continue
		}
		if q.Cmp(limit) > 0 {
			errs = append(errs, field.Invalid(kp, q.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
		} else if isExtendedResource(string(name)) && q.Cmp(limit) != 0 {
			errs = append(errs, field.Invalid(kp, q.String(), fmt.Sprintf("must be equal to %s limit of %s", name, limit.String())))
		}
	}
	return errs
}

// isExtendedResource: a domain-prefixed resource outside kubernetes.io,
// which cannot be overcommitted.
func isExtendedResource(name string) bool {
	return strings.Contains(name, "/") && !strings.Contains(name, "kubernetes.io/")
}

func validateContainerResourceName(name string, p *field.Path) field.ErrorList {
	if errs := qualifiedName(name, p); len(errs) > 0 {
		return errs
	}
	if strings.Contains(name, "/") || supportedContainerResource.Has(name) || strings.HasPrefix(name, "hugepages-") {
		return nil
	}
	return field.ErrorList{field.Invalid(p, name, "must be a standard resource for containers")}
}

func validateSecurityContext(sc *corev1.SecurityContext, p *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	errs := validateRunAs(sc.RunAsUser, sc.RunAsGroup, p)
	if sc.Privileged != nil && *sc.Privileged && sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		errs = append(errs, field.Invalid(p, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
	}
	return errs
}

// validateRunAs checks runAsUser and runAsGroup, which pod and container
// security contexts share.
func validateRunAs(user, group *int64, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if user != nil {
		errs = append(errs, msgsToErrs(utilvalidation.IsValidUserID(*user), *user, p.Child("runAsUser"))...)
	}
	if group != nil {
		errs = append(errs, msgsToErrs(utilvalidation.IsValidGroupID(*group), *group, p.Child("runAsGroup"))...)
	}
	return errs
}

func validatePodSecurityContext(sc *corev1.PodSecurityContext, p *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	errs := validateRunAs(sc.RunAsUser, sc.RunAsGroup, p)
	if sc.FSGroup != nil {
		errs = append(errs, msgsToErrs(utilvalidation.IsValidGroupID(*sc.FSGroup), *sc.FSGroup, p.Child("fsGroup"))...)
	}
	for i, g := range sc.SupplementalGroups {
		errs = append(errs, msgsToErrs(utilvalidation.IsValidGroupID(g), g, p.Child("supplementalGroups").Index(i))...)
	}
	return errs
}
