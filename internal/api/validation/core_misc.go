package validation

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Length limits Kubernetes puts on new-style (eventTime) events.
const (
	eventReportingInstanceLimit = 128
	eventActionLimit            = 128
	eventReasonLimit            = 128
	eventNoteLimit              = 1024
)

var supportedEventTypes = []string{corev1.EventTypeNormal, corev1.EventTypeWarning}

// ValidateNamespace validates a new Namespace: its name is a DNS-1123 label
// (it appears inside DNS names) and its spec finalizers are qualified names.
func ValidateNamespace(ns *corev1.Namespace) field.ErrorList {
	errs := validateMeta(&ns.ObjectMeta, false, apivalidation.ValidateNamespaceName)
	return append(errs, validateNamespaceFinalizers(ns.Spec.Finalizers)...)
}

func validateNamespaceFinalizers(fins []corev1.FinalizerName) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("spec", "finalizers")
	for i, f := range fins {
		errs = append(errs, validateFinalizerName(string(f), p.Index(i))...)
	}
	return errs
}

// validateFinalizerName: a qualified name, and an unprefixed one must be
// one Kubernetes itself defines ("kubernetes").
func validateFinalizerName(f string, p *field.Path) field.ErrorList {
	if errs := qualifiedName(f, p); len(errs) > 0 {
		return errs
	}
	if !strings.Contains(f, "/") && f != string(corev1.FinalizerKubernetes) {
		return field.ErrorList{field.Invalid(p, f, "name is neither a standard finalizer name nor is it fully qualified")}
	}
	return nil
}

// ValidateNamespaceUpdate validates ns replacing old.
func ValidateNamespaceUpdate(ns, old *corev1.Namespace) field.ErrorList {
	errs := validateMetaUpdate(&ns.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateNamespaceFinalizers(ns.Spec.Finalizers)...)
}

// ValidateNamespaceStatusUpdate validates namespaces/status; the phase is
// Active or Terminating, and Terminating only once deletion has begun.
func ValidateNamespaceStatusUpdate(ns, old *corev1.Namespace) field.ErrorList {
	errs := validateMetaUpdate(&ns.ObjectMeta, &old.ObjectMeta)
	p := field.NewPath("status", "phase")
	switch ns.Status.Phase {
	case corev1.NamespaceActive, "":
		if ns.DeletionTimestamp != nil {
			errs = append(errs, field.Invalid(p, ns.Status.Phase, "A namespace may not be set to active if it has a deletion timestamp"))
		}
	case corev1.NamespaceTerminating:
		if ns.DeletionTimestamp == nil {
			errs = append(errs, field.Invalid(p, ns.Status.Phase, "A namespace may only be set to terminating if it has a deletion timestamp"))
		}
	default:
		errs = append(errs, field.NotSupported(p, ns.Status.Phase, []corev1.NamespacePhase{corev1.NamespaceActive, corev1.NamespaceTerminating}))
	}
	return errs
}

// ValidateServiceAccount validates a ServiceAccount (create and update).
func ValidateServiceAccount(sa *corev1.ServiceAccount) field.ErrorList {
	errs := validateMeta(&sa.ObjectMeta, true, apivalidation.ValidateServiceAccountName)
	return append(errs, validateServiceAccountRefs(sa)...)
}

func validateServiceAccountRefs(sa *corev1.ServiceAccount) field.ErrorList {
	var errs field.ErrorList
	for i, s := range sa.Secrets {
		if s.Name == "" {
			errs = append(errs, field.Required(field.NewPath("secrets").Index(i).Child("name"), ""))
		}
	}
	for i, s := range sa.ImagePullSecrets {
		if s.Name == "" {
			errs = append(errs, field.Required(field.NewPath("imagePullSecrets").Index(i).Child("name"), ""))
		}
	}
	return errs
}

// ValidateServiceAccountUpdate validates sa replacing old.
func ValidateServiceAccountUpdate(sa, old *corev1.ServiceAccount) field.ErrorList {
	errs := validateMetaUpdate(&sa.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateServiceAccountRefs(sa)...)
}

// ValidateNode validates a new Node: cluster-scoped, DNS subdomain name,
// valid pod CIDRs and taints.
func ValidateNode(n *corev1.Node) field.ErrorList {
	errs := validateMeta(&n.ObjectMeta, false, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateNodeSpec(&n.Spec)...)
}

func validateNodeSpec(s *corev1.NodeSpec) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("spec")
	for i, c := range s.PodCIDRs {
		errs = append(errs, validCIDR(c, p.Child("podCIDRs").Index(i))...)
	}
	if s.PodCIDR != "" && len(s.PodCIDRs) > 0 && s.PodCIDR != s.PodCIDRs[0] {
		errs = append(errs, field.Invalid(p.Child("podCIDR"), s.PodCIDR, "must match the first element of podCIDRs"))
	}
	return append(errs, validateTaints(s.Taints, p.Child("taints"))...)
}

// validateTaints: a qualified key, a label-value value, a known effect,
// and each key/effect pair at most once.
func validateTaints(taints []corev1.Taint, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, t := range taints {
		ip := p.Index(i)
		if t.Key == "" {
			errs = append(errs, field.Required(ip.Child("key"), ""))
		} else {
			errs = append(errs, qualifiedName(t.Key, ip.Child("key"))...)
		}
		errs = append(errs, labelValue(t.Value, ip.Child("value"))...)
		if t.Effect == "" {
			errs = append(errs, field.Required(ip.Child("effect"), ""))
		} else {
			errs = append(errs, validateTaintEffect(t.Effect, ip.Child("effect"))...)
		}
		key := t.Key + "/" + string(t.Effect)
		if seen.Has(key) {
			errs = append(errs, field.Duplicate(ip, t))
		}
		seen.Insert(key)
	}
	return errs
}

// ValidateNodeUpdate validates n replacing old: pod CIDRs and the provider
// ID may be set once and then never change.
func ValidateNodeUpdate(n, old *corev1.Node) field.ErrorList {
	errs := validateMetaUpdate(&n.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, validateNodeSpec(&n.Spec)...)
	p := field.NewPath("spec")
	if len(old.Spec.PodCIDRs) > 0 && !sets.New(old.Spec.PodCIDRs...).Equal(sets.New(n.Spec.PodCIDRs...)) {
		errs = append(errs, field.Forbidden(p.Child("podCIDRs"), "node updates may not change podCIDR except from \"\" to valid"))
	}
	if old.Spec.ProviderID != "" && n.Spec.ProviderID != old.Spec.ProviderID {
		errs = append(errs, field.Forbidden(p.Child("providerID"), "node updates may not change providerID except from \"\" to valid"))
	}
	return errs
}

// ValidateNodeStatusUpdate validates a write to nodes/status.
func ValidateNodeStatusUpdate(n, old *corev1.Node) field.ErrorList {
	errs := validateMetaUpdate(&n.ObjectMeta, &old.ObjectMeta)
	sp := field.NewPath("status")
	for name, q := range n.Status.Capacity {
		errs = append(errs, nonNegativeQuantity(q, sp.Child("capacity").Key(string(name)))...)
	}
	for name, q := range n.Status.Allocatable {
		errs = append(errs, nonNegativeQuantity(q, sp.Child("allocatable").Key(string(name)))...)
	}
	return errs
}

// ValidateEvent validates a new core/v1 Event. An event about a namespaced
// object lives in that object's namespace; one about a cluster-scoped object
// in "default" (or none). Events with eventTime set are new-style and need
// the reporting fields, as in Kubernetes.
func ValidateEvent(e *corev1.Event) field.ErrorList {
	errs := validateMeta(&e.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateCoreEventBody(e)...)
}

func validateCoreEventBody(e *corev1.Event) field.ErrorList {
	if e.EventTime.IsZero() {
		return validateInvolvedNamespace(e)
	}
	errs := validateReportingFields(e.ReportingController, "reportingComponent", e.ReportingInstance, e.Action, e.Reason, e.Message, "message")
	if e.Type != corev1.EventTypeNormal && e.Type != corev1.EventTypeWarning {
		errs = append(errs, field.Invalid(field.NewPath("type"), "", fmt.Sprintf("has invalid value: %v", e.Type)))
	}
	return append(errs, validateInvolvedNamespace(e)...)
}

func validateInvolvedNamespace(e *corev1.Event) field.ErrorList {
	p := field.NewPath("involvedObject", "namespace")
	ons := e.InvolvedObject.Namespace
	if ons == "" {
		if e.Namespace != metav1.NamespaceNone && e.Namespace != metav1.NamespaceDefault {
			return field.ErrorList{field.Invalid(p, ons, "does not match event.namespace")}
		}
		return nil
	}
	if e.Namespace != ons {
		return field.ErrorList{field.Invalid(p, ons, "does not match event.namespace")}
	}
	return nil
}

// validateReportingFields holds the new-style event rules shared by
// core/v1 (with eventTime) and events.k8s.io/v1 events.
func validateReportingFields(controller, controllerField, instance, action, reason, note, noteField string) field.ErrorList {
	var errs field.ErrorList
	cp := field.NewPath(controllerField)
	if controller == "" {
		errs = append(errs, field.Required(cp, ""))
	} else {
		errs = append(errs, qualifiedName(controller, cp)...)
	}
	for _, f := range []struct {
		name  string
		value string
		limit int
	}{{"reportingInstance", instance, eventReportingInstanceLimit}, {"action", action, eventActionLimit}, {"reason", reason, eventReasonLimit}} {
		if f.value == "" {
			errs = append(errs, field.Required(field.NewPath(f.name), ""))
		}
		if len(f.value) > f.limit {
			errs = append(errs, field.Invalid(field.NewPath(f.name), "", fmt.Sprintf("can have at most %v characters", f.limit)))
		}
	}
	if len(note) > eventNoteLimit {
		errs = append(errs, field.Invalid(field.NewPath(noteField), "", fmt.Sprintf("can have at most %v characters", eventNoteLimit)))
	}
	return errs
}

// ValidateEventUpdate validates a core/v1 Event update. Like Kubernetes for
// v1 clients, only metadata rules apply beyond the create rules, since the
// event recorder rewrites counts, timestamps and messages.
func ValidateEventUpdate(e, old *corev1.Event) field.ErrorList {
	errs := validateMetaUpdate(&e.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateCoreEventBody(e)...)
}
