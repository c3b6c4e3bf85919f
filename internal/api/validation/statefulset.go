package validation

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// statefulSetUpdateForbiddenMsg is Kubernetes' wording for a change to a
// StatefulSet spec field that cannot be updated.
const statefulSetUpdateForbiddenMsg = "updates to statefulset spec for fields other than 'replicas', 'ordinals', " +
	"'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"

var supportedPVCRetention = []appsv1.PersistentVolumeClaimRetentionPolicyType{
	appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType}

// ValidateStatefulSet validates a new StatefulSet.
func ValidateStatefulSet(ss *appsv1.StatefulSet) field.ErrorList {
	errs := validateMeta(&ss.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, ValidateStatefulSetSpec(&ss.Spec, field.NewPath("spec"))...)
}

// ValidateStatefulSetSpec validates a StatefulSet spec: policies, counts,
// a non-empty selector matching the template, pods that restart Always, and
// the volume claim templates.
func ValidateStatefulSetSpec(s *appsv1.StatefulSetSpec, p *field.Path) field.ErrorList {
	errs := validatePodManagementPolicy(s.PodManagementPolicy, p.Child("podManagementPolicy"))
	errs = append(errs, validateStatefulSetStrategy(&s.UpdateStrategy, p.Child("updateStrategy"))...)
	if r := s.PersistentVolumeClaimRetentionPolicy; r != nil {
		rp := p.Child("persistentVolumeClaimRetentionPolicy")
		errs = append(errs, validatePVCRetention(r.WhenDeleted, rp.Child("whenDeleted"))...)
		errs = append(errs, validatePVCRetention(r.WhenScaled, rp.Child("whenScaled"))...)
	}
	errs = append(errs, nonNegative32(s.Replicas, p.Child("replicas"))...)
	errs = append(errs, nonNegative(int64(s.MinReadySeconds), p.Child("minReadySeconds"))...)
	errs = append(errs, nonNegative32(s.RevisionHistoryLimit, p.Child("revisionHistoryLimit"))...)
	if s.Ordinals != nil {
		errs = append(errs, nonNegative(int64(s.Ordinals.Start), p.Child("ordinals", "start"))...)
	}
	if s.ServiceName != "" {
		errs = append(errs, dnsLabel(s.ServiceName, p.Child("serviceName"))...)
	}
	errs = append(errs, validateWorkloadSelector(s.Selector, s.Template.Labels, "statefulset", p)...)
	errs = append(errs, validateLongRunningTemplate(templateWithClaims(s), p.Child("template"), "StatefulSet")...)
	for i := range s.VolumeClaimTemplates {
		errs = append(errs, validateClaimTemplate(&s.VolumeClaimTemplates[i], p.Child("volumeClaimTemplates").Index(i))...)
	}
	return errs
}

// templateWithClaims is the template as the controller will run it: each
// volumeClaimTemplate not already named by a volume becomes a
// persistentVolumeClaim volume, so that containers may mount it by the
// claim template's name.
func templateWithClaims(s *appsv1.StatefulSetSpec) *corev1.PodTemplateSpec {
	if len(s.VolumeClaimTemplates) == 0 {
		return &s.Template
	}
	t := s.Template.DeepCopy()
	named := map[string]bool{}
	for _, v := range t.Spec.Volumes {
		named[v.Name] = true
	}
	for _, c := range s.VolumeClaimTemplates {
		if c.Name == "" || named[c.Name] {
			continue
		}
		named[c.Name] = true
		t.Spec.Volumes = append(t.Spec.Volumes, corev1.Volume{Name: c.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c.Name}}})
	}
	return t
}

// validateLongRunningTemplate is shared by StatefulSet, Deployment and
// ReplicaSet: their pods must run forever, so only restartPolicy Always and
// no activeDeadlineSeconds.
func validateLongRunningTemplate(t *corev1.PodTemplateSpec, p *field.Path, kind string) field.ErrorList {
	errs := ValidatePodTemplateSpec(t, p)
	if t.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(p.Child("spec", "restartPolicy"), t.Spec.RestartPolicy, []corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	if t.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(p.Child("spec", "activeDeadlineSeconds"), fmt.Sprintf("activeDeadlineSeconds in %s is not Supported", kind)))
	}
	return errs
}

func validatePodManagementPolicy(v appsv1.PodManagementPolicyType, p *field.Path) field.ErrorList {
	switch v {
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
		return nil
	case "":
		return field.ErrorList{field.Required(p, "")}
	}
	return field.ErrorList{field.Invalid(p, v, fmt.Sprintf("must be '%s' or '%s'", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement))}
}

func validateStatefulSetStrategy(st *appsv1.StatefulSetUpdateStrategy, p *field.Path) field.ErrorList {
	switch st.Type {
	case "":
		return field.ErrorList{field.Required(p, "")}
	case appsv1.OnDeleteStatefulSetStrategyType:
		if st.RollingUpdate != nil {
			return field.ErrorList{field.Invalid(p.Child("rollingUpdate"), st.RollingUpdate,
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType))}
		}
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if ru := st.RollingUpdate; ru != nil {
			rp := p.Child("rollingUpdate")
			errs := nonNegative32(ru.Partition, rp.Child("partition"))
			if ru.MaxUnavailable != nil {
				errs = append(errs, validateIntOrPercent(*ru.MaxUnavailable, rp.Child("maxUnavailable"))...)
				if getIntOrPercentValue(*ru.MaxUnavailable) == 0 {
					errs = append(errs, field.Invalid(rp.Child("maxUnavailable"), ru.MaxUnavailable, "cannot be 0"))
				}
			}
			return errs
		}
	default:
		return field.ErrorList{field.Invalid(p, st, fmt.Sprintf("must be '%s' or '%s'",
			appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType))}
	}
	return nil
}

func validatePVCRetention(v appsv1.PersistentVolumeClaimRetentionPolicyType, p *field.Path) field.ErrorList {
	switch v {
	case appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType:
		return nil
	}
	return field.ErrorList{field.NotSupported(p, v, supportedPVCRetention)}
}

// validateClaimTemplate checks a volumeClaimTemplate: its name becomes part
// of each PVC name, and its spec must be a valid claim spec.
func validateClaimTemplate(c *corev1.PersistentVolumeClaim, p *field.Path) field.ErrorList {
	mp := p.Child("metadata")
	var errs field.ErrorList
	if c.Name == "" {
		errs = append(errs, field.Required(mp.Child("name"), ""))
	} else {
		errs = append(errs, dnsSubdomain(c.Name, mp.Child("name"))...)
	}
	return append(errs, ValidatePersistentVolumeClaimSpec(&c.Spec, p.Child("spec"))...)
}

// ValidateStatefulSetUpdate validates ss replacing old: only the fields
// Kubernetes lets a StatefulSet change may differ (claim templates, service
// name, selector, pod management policy are fixed).
func ValidateStatefulSetUpdate(ss, old *appsv1.StatefulSet) field.ErrorList {
	errs := validateMetaUpdate(&ss.ObjectMeta, &old.ObjectMeta)
	p := field.NewPath("spec")
	errs = append(errs, ValidateStatefulSetSpec(&ss.Spec, p)...)
	c := ss.Spec.DeepCopy()
	c.Replicas = old.Spec.Replicas
	c.Ordinals = old.Spec.Ordinals
	c.Template = old.Spec.Template
	c.UpdateStrategy = old.Spec.UpdateStrategy
	c.RevisionHistoryLimit = old.Spec.RevisionHistoryLimit
	c.PersistentVolumeClaimRetentionPolicy = old.Spec.PersistentVolumeClaimRetentionPolicy
	c.MinReadySeconds = old.Spec.MinReadySeconds
	if !equality.Semantic.DeepEqual(*c, old.Spec) {
		errs = append(errs, field.Forbidden(p, statefulSetUpdateForbiddenMsg))
	}
	return errs
}

// ValidateStatefulSetStatusUpdate validates a write to statefulsets/status.
func ValidateStatefulSetStatusUpdate(ss, old *appsv1.StatefulSet) field.ErrorList {
	errs := validateMetaUpdate(&ss.ObjectMeta, &old.ObjectMeta)
	st := &ss.Status
	return append(errs, validateReplicaCounts(field.NewPath("status"), st.ObservedGeneration, st.Replicas,
		map[string]int32{"readyReplicas": st.ReadyReplicas, "currentReplicas": st.CurrentReplicas,
			"updatedReplicas": st.UpdatedReplicas, "availableReplicas": st.AvailableReplicas})...)
}
