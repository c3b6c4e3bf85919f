package validation

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateReplicationController validates a new ReplicationController.
func ValidateReplicationController(rc *corev1.ReplicationController) field.ErrorList {
	errs := validateMeta(&rc.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, ValidateReplicationControllerSpec(&rc.Spec, field.NewPath("spec"))...)
}

// ValidateReplicationControllerSpec validates counts, the required
// equality-based selector and the template it must match.
func ValidateReplicationControllerSpec(s *corev1.ReplicationControllerSpec, p *field.Path) field.ErrorList {
	errs := nonNegative(int64(s.MinReadySeconds), p.Child("minReadySeconds"))
	sp := p.Child("selector")
	errs = append(errs, metavalidation.ValidateLabels(s.Selector, sp)...)
	if len(s.Selector) == 0 {
		errs = append(errs, field.Required(sp, ""))
	}
	errs = append(errs, nonNegative32(s.Replicas, p.Child("replicas"))...)
	return append(errs, validateRCTemplate(s.Template, s.Selector, p.Child("template"))...)
}

// validateRCTemplate: the template is required, its labels must match the
// selector, and its pods restart Always with no deadline.
func validateRCTemplate(t *corev1.PodTemplateSpec, selector map[string]string, p *field.Path) field.ErrorList {
	if t == nil {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	if sel := labels.SelectorFromSet(selector); !sel.Empty() && !sel.Matches(labels.Set(t.Labels)) {
		errs = append(errs, field.Invalid(p.Child("metadata", "labels"), t.Labels, selectorMismatchErrMsg))
	}
	return append(errs, validateLongRunningTemplate(t, p, "ReplicationController")...)
}

// ValidateReplicationControllerUpdate validates rc replacing old; unlike a
// ReplicaSet's, an RC's selector may change.
func ValidateReplicationControllerUpdate(rc, old *corev1.ReplicationController) field.ErrorList {
	errs := validateMetaUpdate(&rc.ObjectMeta, &old.ObjectMeta)
	return append(errs, ValidateReplicationControllerSpec(&rc.Spec, field.NewPath("spec"))...)
}

// ValidateReplicationControllerStatusUpdate validates a write to
// replicationcontrollers/status.
func ValidateReplicationControllerStatusUpdate(rc, old *corev1.ReplicationController) field.ErrorList {
	errs := validateMetaUpdate(&rc.ObjectMeta, &old.ObjectMeta)
	st := &rc.Status
	return append(errs, validateReplicaCounts(field.NewPath("status"), st.ObservedGeneration, st.Replicas,
		map[string]int32{"fullyLabeledReplicas": st.FullyLabeledReplicas, "readyReplicas": st.ReadyReplicas,
			"availableReplicas": st.AvailableReplicas})...)
}

// ValidatePodTemplate validates a PodTemplate object.
func ValidatePodTemplate(pt *corev1.PodTemplate) field.ErrorList {
	errs := validateMeta(&pt.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, ValidatePodTemplateSpec(&pt.Template, field.NewPath("template"))...)
}

// ValidatePodTemplateUpdate validates pt replacing old: any template is
// allowed, as in Kubernetes.
func ValidatePodTemplateUpdate(pt, old *corev1.PodTemplate) field.ErrorList {
	errs := validateMetaUpdate(&pt.ObjectMeta, &old.ObjectMeta)
	return append(errs, ValidatePodTemplateSpec(&pt.Template, field.NewPath("template"))...)
}
