package validation

import (
	"fmt"
	"regexp"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/component-helpers/node/util/sysctl"
)

// sysctlMaxLength and sysctlName are Kubernetes' rule for a sysctl's
// name: dot- or slash-separated segments of lower-case letters, digits,
// '-' and '_', at most 253 characters.
const sysctlMaxLength = 253

var sysctlName = regexp.MustCompile(`^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`)

// validateSysctls checks spec.securityContext.sysctls as the API server
// does: valid, unique names, and no namespaced sysctl of a namespace the
// pod shares with the host (net.* with hostNetwork, IPC ones with
// hostIPC), which would change the host's value. Whether the node allows
// a valid name is the agent's decision (SysctlForbidden).
func validateSysctls(s *corev1.PodSpec, p *field.Path) field.ErrorList {
	if s.SecurityContext == nil {
		return nil
	}
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, sc := range s.SecurityContext.Sysctls {
		name := p.Index(i).Child("name")
		switch {
		case sc.Name == "":
			errs = append(errs, field.Required(name, ""))
		case len(sc.Name) > sysctlMaxLength || !sysctlName.MatchString(sc.Name):
			errs = append(errs, field.Invalid(name, sc.Name, fmt.Sprintf("must have at most %d characters and match regex %s", sysctlMaxLength, sysctlName)))
		case seen[sc.Name]:
			errs = append(errs, field.Duplicate(name, sc.Name))
		}
		seen[sc.Name] = true
		switch ns, _, _ := sysctl.GetNamespace(sc.Name); {
		case s.HostNetwork && ns == sysctl.NetNamespace:
			errs = append(errs, field.Invalid(name, sc.Name, "may not be specified when 'hostNetwork' is true"))
		case s.HostIPC && ns == sysctl.IPCNamespace:
			errs = append(errs, field.Invalid(name, sc.Name, "may not be specified when 'hostIPC' is true"))
		}
	}
	return errs
}
