package validation

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateEphemeralContainersUpdate checks a write of
// pods/ephemeralcontainers, as the API server does: ephemeral containers
// are only added, never changed or removed, each has a unique name and an
// image, names an existing target container if any, and sets none of the
// fields an ephemeral container may not have (ports, probes, lifecycle,
// resources, restartPolicy).
func ValidateEphemeralContainersUpdate(pod, old *corev1.Pod) field.ErrorList {
	p := field.NewPath("spec", "ephemeralContainers")
	now, before := pod.Spec.EphemeralContainers, old.Spec.EphemeralContainers
	if len(now) < len(before) {
		return field.ErrorList{field.Forbidden(p, "existing ephemeral containers may not be removed")}
	}
	var errs field.ErrorList
	for i := range before {
		if !equality.Semantic.DeepEqual(now[i], before[i]) {
			errs = append(errs, field.Forbidden(p.Index(i), fmt.Sprintf("existing ephemeral containers %q may not be changed", before[i].Name)))
		}
	}
	names := map[string]bool{}
	for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		names[c.Name] = true
	}
	for i := range before {
		names[before[i].Name] = true
	}
	for i := len(before); i < len(now); i++ {
		errs = append(errs, validateEphemeralContainer(&now[i], pod, names, p.Index(i))...)
		names[now[i].Name] = true
	}
	return errs
}

func validateEphemeralContainer(ec *corev1.EphemeralContainer, pod *corev1.Pod, names map[string]bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case ec.Name == "":
		errs = append(errs, field.Required(p.Child("name"), ""))
	case names[ec.Name]:
		errs = append(errs, field.Duplicate(p.Child("name"), ec.Name))
	default:
		errs = append(errs, msgsToErrs(utilvalidation.IsDNS1123Label(ec.Name), ec.Name, p.Child("name"))...)
	}
	if ec.Image == "" {
		errs = append(errs, field.Required(p.Child("image"), ""))
	}
	if t := ec.TargetContainerName; t != "" && !hasContainer(pod, t) {
		errs = append(errs, field.NotFound(p.Child("targetContainerName"), t))
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"ports", len(ec.Ports) > 0}, {"livenessProbe", ec.LivenessProbe != nil}, {"readinessProbe", ec.ReadinessProbe != nil},
		{"startupProbe", ec.StartupProbe != nil}, {"lifecycle", ec.Lifecycle != nil},
		{"resources", len(ec.Resources.Limits) > 0 || len(ec.Resources.Requests) > 0}, {"restartPolicy", ec.RestartPolicy != nil},
	} {
		if f.set {
			errs = append(errs, field.Forbidden(p.Child(f.name), "cannot be set for an Ephemeral Container"))
		}
	}
	errs = append(errs, validateEnv(ec.Env, p.Child("env"))...)
	return errs
}

func hasContainer(pod *corev1.Pod, name string) bool {
	for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		if c.Name == name {
			return true
		}
	}
	return false
}
