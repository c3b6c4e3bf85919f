package printers

import (
	"time"

	resourcev1 "k8s.io/api/resource/v1"
)

// DeviceTaintRules prints NAME KEY VALUE EFFECT TIMEADDED AGE, as
// Kubernetes does: the taint, not the (possibly long) selector.
func DeviceTaintRules() Printer {
	taint := resourcev1.DeviceTaint{}.SwaggerDoc()
	return printer[resourcev1.DeviceTaintRule]{
		columns: columns(
			nameColumn(),
			column("Key", "string", taint["key"]),
			column("Value", "string", taint["value"]),
			column("Effect", "string", taint["effect"]),
			column("TimeAdded", "string", taint["timeAdded"]),
			ageColumn(),
		),
		cells: func(r *resourcev1.DeviceTaintRule, now time.Time) ([]any, error) {
			added := ""
			if t := r.Spec.Taint.TimeAdded; t != nil {
				added = age(*t, now)
			}
			return []any{r.Name, r.Spec.Taint.Key, r.Spec.Taint.Value, string(r.Spec.Taint.Effect), added, age(r.CreationTimestamp, now)}, nil
		},
	}
}
