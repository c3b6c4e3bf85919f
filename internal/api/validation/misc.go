package validation

import (
	"fmt"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateLease validates a coordination/v1 Lease (create and update share
// the rules): positive duration, non-negative transition count, and a
// preferred holder only under a coordinated strategy.
func ValidateLease(l *coordinationv1.Lease) field.ErrorList {
	errs := validateMeta(&l.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validateLeaseSpec(&l.Spec, field.NewPath("spec"))...)
}

func validateLeaseSpec(s *coordinationv1.LeaseSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if d := s.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(p.Child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	if t := s.LeaseTransitions; t != nil && *t < 0 {
		errs = append(errs, field.Invalid(p.Child("leaseTransitions"), *t, "must be greater than or equal to 0"))
	}
	if st := s.Strategy; st != nil && *st != coordinationv1.OldestEmulationVersion {
		errs = append(errs, field.NotSupported(p.Child("strategy"), *st, []coordinationv1.CoordinatedLeaseStrategy{coordinationv1.OldestEmulationVersion}))
	}
	if s.PreferredHolder != nil && *s.PreferredHolder != "" && s.Strategy == nil {
		errs = append(errs, field.Forbidden(p.Child("preferredHolder"), "may only be specified if `strategy` is defined"))
	}
	return errs
}

// ValidateLeaseUpdate validates l replacing old.
func ValidateLeaseUpdate(l, old *coordinationv1.Lease) field.ErrorList {
	errs := validateMetaUpdate(&l.ObjectMeta, &old.ObjectMeta)
	return append(errs, validateLeaseSpec(&l.Spec, field.NewPath("spec"))...)
}

// ValidateEventsV1Event validates a new events.k8s.io/v1 Event, the strict
// new-style rules: eventTime, reporting controller/instance, action and
// reason required, type Normal or Warning, deprecated fields unset. Paths use
// the events/v1 field names (regarding, note, deprecated*).
func ValidateEventsV1Event(e *eventsv1.Event) field.ErrorList {
	errs := validateMeta(&e.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	errs = append(errs, validateEventsV1Body(e)...)
	if !e.DeprecatedFirstTimestamp.IsZero() {
		errs = append(errs, field.Invalid(field.NewPath("deprecatedFirstTimestamp"), "", "needs to be unset"))
	}
	if !e.DeprecatedLastTimestamp.IsZero() {
		errs = append(errs, field.Invalid(field.NewPath("deprecatedLastTimestamp"), "", "needs to be unset"))
	}
	if e.DeprecatedCount != 0 {
		errs = append(errs, field.Invalid(field.NewPath("deprecatedCount"), "", "needs to be unset"))
	}
	if e.DeprecatedSource.Component != "" || e.DeprecatedSource.Host != "" {
		errs = append(errs, field.Invalid(field.NewPath("deprecatedSource"), "", "needs to be unset"))
	}
	return errs
}

func validateEventsV1Body(e *eventsv1.Event) field.ErrorList {
	errs := validateReportingFields(e.ReportingController, "reportingController", e.ReportingInstance, e.Action, e.Reason, e.Note, "note")
	if e.EventTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("eventTime"), ""))
	}
	if e.Type != corev1.EventTypeNormal && e.Type != corev1.EventTypeWarning {
		errs = append(errs, field.Invalid(field.NewPath("type"), "", fmt.Sprintf("has invalid value: %v", e.Type)))
	}
	if ns := e.Regarding.Namespace; ns != "" && ns != e.Namespace {
		errs = append(errs, field.Invalid(field.NewPath("regarding", "namespace"), ns, "does not match event.namespace"))
	}
	if s := e.Series; s != nil {
		if s.Count < 2 {
			errs = append(errs, field.Invalid(field.NewPath("series", "count"), "", "should be at least 2"))
		}
		if s.LastObservedTime.IsZero() {
			errs = append(errs, field.Required(field.NewPath("series", "lastObservedTime"), ""))
		}
	}
	return errs
}

// ValidateEventsV1EventUpdate validates e replacing old: an event records
// one occurrence, so only its series (repeat count) may change.
func ValidateEventsV1EventUpdate(e, old *eventsv1.Event) field.ErrorList {
	errs := validateMetaUpdate(&e.ObjectMeta, &old.ObjectMeta)
	errs = append(errs, validateEventsV1Body(e)...)
	for _, f := range []struct {
		name     string
		new, old any
	}{
		{"regarding", e.Regarding, old.Regarding}, {"related", e.Related, old.Related},
		{"reason", e.Reason, old.Reason}, {"note", e.Note, old.Note}, {"type", e.Type, old.Type},
		{"action", e.Action, old.Action}, {"reportingController", e.ReportingController, old.ReportingController},
		{"reportingInstance", e.ReportingInstance, old.ReportingInstance},
		{"deprecatedSource", e.DeprecatedSource, old.DeprecatedSource},
		{"deprecatedFirstTimestamp", e.DeprecatedFirstTimestamp, old.DeprecatedFirstTimestamp},
		{"deprecatedLastTimestamp", e.DeprecatedLastTimestamp, old.DeprecatedLastTimestamp},
		{"deprecatedCount", e.DeprecatedCount, old.DeprecatedCount},
	} {
		errs = append(errs, immutable(f.new, f.old, field.NewPath(f.name))...)
	}
	if !e.EventTime.Time.Equal(old.EventTime.Time) {
		errs = append(errs, field.Invalid(field.NewPath("eventTime"), e.EventTime, apivalidation.FieldImmutableErrorMsg))
	}
	return errs
}
