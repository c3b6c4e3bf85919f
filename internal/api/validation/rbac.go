package validation

import (
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	roleRefPath       = field.NewPath("roleRef")
	rulesPath         = field.NewPath("rules")
	subjectsPath      = field.NewPath("subjects")
	supportedSubjects = []string{rbacv1.ServiceAccountKind, rbacv1.UserKind, rbacv1.GroupKind}
)

// validateRBACName is Kubernetes' RBAC name rule: any path segment, since
// role names appear in URLs and often contain ':' (system:...).
func validateRBACName(name string, prefix bool) []string {
	return path.IsValidPathSegmentName(name)
}

// ValidateRole validates a namespaced Role (create and update).
func ValidateRole(r *rbacv1.Role) field.ErrorList {
	errs := validateMeta(&r.ObjectMeta, true, validateRBACName)
	return append(errs, validatePolicyRules(r.Rules, true)...)
}

// ValidateRoleUpdate validates r replacing old.
func ValidateRoleUpdate(r, old *rbacv1.Role) field.ErrorList {
	errs := validateMetaUpdate(&r.ObjectMeta, &old.ObjectMeta)
	return append(errs, validatePolicyRules(r.Rules, true)...)
}

// ValidateClusterRole validates a ClusterRole (create and update).
func ValidateClusterRole(r *rbacv1.ClusterRole) field.ErrorList {
	errs := validateMeta(&r.ObjectMeta, false, validateRBACName)
	return append(errs, validateClusterRoleBody(r)...)
}

func validateClusterRoleBody(r *rbacv1.ClusterRole) field.ErrorList {
	errs := validatePolicyRules(r.Rules, false)
	if a := r.AggregationRule; a != nil {
		p := field.NewPath("aggregationRule", "clusterRoleSelectors")
		if len(a.ClusterRoleSelectors) == 0 {
			errs = append(errs, field.Required(p, "at least one clusterRoleSelector required if aggregationRule is non-nil"))
		}
		for i := range a.ClusterRoleSelectors {
			errs = append(errs, metavalidation.ValidateLabelSelector(&a.ClusterRoleSelectors[i], selectorOpts, p.Index(i))...)
		}
	}
	return errs
}

// ValidateClusterRoleUpdate validates r replacing old.
func ValidateClusterRoleUpdate(r, old *rbacv1.ClusterRole) field.ErrorList {
	errs := validateMetaUpdate(&r.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateClusterRoleBody(r)...)
}

// validatePolicyRules: every rule has verbs; a rule is either about
// resources (with apiGroups and resources) or about non-resource URLs, and
// namespaced roles cannot grant URLs.
func validatePolicyRules(rules []rbacv1.PolicyRule, namespaced bool) field.ErrorList {
	var errs field.ErrorList
	for i, r := range rules {
		p := rulesPath.Index(i)
		if len(r.Verbs) == 0 {
			errs = append(errs, field.Required(p.Child("verbs"), "verbs must contain at least one value"))
		}
		if len(r.NonResourceURLs) > 0 {
			up := p.Child("nonResourceURLs")
			if namespaced {
				errs = append(errs, field.Invalid(up, r.NonResourceURLs, "namespaced rules cannot apply to non-resource URLs"))
			}
			if len(r.APIGroups) > 0 || len(r.Resources) > 0 || len(r.ResourceNames) > 0 {
				errs = append(errs, field.Invalid(up, r.NonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"))
			}
			continue
		}
		if len(r.APIGroups) == 0 {
			errs = append(errs, field.Required(p.Child("apiGroups"), "resource rules must supply at least one api group"))
		}
		if len(r.Resources) == 0 {
			errs = append(errs, field.Required(p.Child("resources"), "resource rules must supply at least one resource"))
		}
	}
	return errs
}

// ValidateRoleBinding validates a new RoleBinding, which may refer to a
// Role or a ClusterRole.
func ValidateRoleBinding(b *rbacv1.RoleBinding) field.ErrorList {
	errs := validateMeta(&b.ObjectMeta, true, validateRBACName)
	errs = append(errs, validateRoleRef(b.RoleRef, []string{"Role", "ClusterRole"})...)
	return append(errs, validateSubjects(b.Subjects, true)...)
}

// ValidateClusterRoleBinding validates a new ClusterRoleBinding, which may
// only refer to a ClusterRole.
func ValidateClusterRoleBinding(b *rbacv1.ClusterRoleBinding) field.ErrorList {
	errs := validateMeta(&b.ObjectMeta, false, validateRBACName)
	errs = append(errs, validateRoleRef(b.RoleRef, []string{"ClusterRole"})...)
	return append(errs, validateSubjects(b.Subjects, false)...)
}

func validateRoleRef(ref rbacv1.RoleRef, kinds []string) field.ErrorList {
	var errs field.ErrorList
	if ref.APIGroup != rbacv1.GroupName {
		errs = append(errs, field.NotSupported(roleRefPath.Child("apiGroup"), ref.APIGroup, []string{rbacv1.GroupName}))
	}
	kindOK := false
	for _, k := range kinds {
		kindOK = kindOK || ref.Kind == k
	}
	if !kindOK {
		errs = append(errs, field.NotSupported(roleRefPath.Child("kind"), ref.Kind, kinds))
	}
	np := roleRefPath.Child("name")
	if ref.Name == "" {
		return append(errs, field.Required(np, ""))
	}
	return append(errs, msgsToErrs(validateRBACName(ref.Name, false), ref.Name, np)...)
}

// validateSubjects: ServiceAccounts are core objects (apiGroup "") and, in
// a ClusterRoleBinding, need their namespace; Users and Groups belong to the
// RBAC API group.
func validateSubjects(subjects []rbacv1.Subject, namespaced bool) field.ErrorList {
	var errs field.ErrorList
	for i, s := range subjects {
		p := subjectsPath.Index(i)
		if s.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		}
		switch s.Kind {
		case rbacv1.ServiceAccountKind:
			if s.Name != "" {
				errs = append(errs, dnsSubdomain(s.Name, p.Child("name"))...)
			}
			if s.APIGroup != "" {
				errs = append(errs, field.NotSupported(p.Child("apiGroup"), s.APIGroup, []string{""}))
			}
			if !namespaced && s.Namespace == "" {
				errs = append(errs, field.Required(p.Child("namespace"), ""))
			}
		case rbacv1.UserKind, rbacv1.GroupKind:
			if s.APIGroup != rbacv1.GroupName {
				errs = append(errs, field.NotSupported(p.Child("apiGroup"), s.APIGroup, []string{rbacv1.GroupName}))
			}
		default:
			errs = append(errs, field.NotSupported(p.Child("kind"), s.Kind, supportedSubjects))
		}
	}
	return errs
}

// ValidateRoleBindingUpdate validates b replacing old: the roleRef is what
// a binding means, so it cannot change (delete and recreate instead).
func ValidateRoleBindingUpdate(b, old *rbacv1.RoleBinding) field.ErrorList {
	errs := validateMetaUpdate(&b.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, validateRoleRef(b.RoleRef, []string{"Role", "ClusterRole"})...)
	errs = append(errs, validateSubjects(b.Subjects, true)...)
	if b.RoleRef != old.RoleRef {
		errs = append(errs, field.Invalid(roleRefPath, b.RoleRef, "cannot change roleRef"))
	}
	return errs
}

// ValidateClusterRoleBindingUpdate validates b replacing old (roleRef fixed).
func ValidateClusterRoleBindingUpdate(b, old *rbacv1.ClusterRoleBinding) field.ErrorList {
	errs := validateMetaUpdate(&b.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, validateRoleRef(b.RoleRef, []string{"ClusterRole"})...)
	errs = append(errs, validateSubjects(b.Subjects, false)...)
	if b.RoleRef != old.RoleRef {
		errs = append(errs, field.Invalid(roleRefPath, b.RoleRef, "cannot change roleRef"))
	}
	return errs
}
