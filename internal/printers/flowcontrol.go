package printers

import (
	"time"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
)

// FlowSchemas prints NAME PRIORITYLEVEL MATCHINGPRECEDENCE
// DISTINGUISHERMETHOD AGE MISSINGPL.
func FlowSchemas() Printer {
	spec := flowcontrolv1.FlowSchemaSpec{}.SwaggerDoc()
	return printer[flowcontrolv1.FlowSchema]{
		columns: columns(
			nameColumn(),
			column("PriorityLevel", "string", flowcontrolv1.PriorityLevelConfigurationReference{}.SwaggerDoc()["name"]),
			column("MatchingPrecedence", "string", spec["matchingPrecedence"]),
			column("DistinguisherMethod", "string", spec["distinguisherMethod"]),
			ageColumn(),
			column("MissingPL", "string", "references a broken or non-existent PriorityLevelConfiguration"),
		),
		cells: func(fs *flowcontrolv1.FlowSchema, now time.Time) ([]any, error) {
			method := none
			if fs.Spec.DistinguisherMethod != nil {
				method = string(fs.Spec.DistinguisherMethod.Type)
			}
			missing := unknown
			for _, c := range fs.Status.Conditions {
				if c.Type == flowcontrolv1.FlowSchemaConditionDangling {
					missing = string(c.Status)
				}
			}
			return []any{fs.Name, fs.Spec.PriorityLevelConfiguration.Name, int64(fs.Spec.MatchingPrecedence), method,
				age(fs.CreationTimestamp, now), missing}, nil
		},
	}
}

// PriorityLevelConfigurations prints NAME TYPE NOMINALCONCURRENCYSHARES
// QUEUES HANDSIZE QUEUELENGTHLIMIT AGE; the limits read <none> for an
// exempt level and queuing columns for one that rejects instead of queuing.
func PriorityLevelConfigurations() Printer {
	return printer[flowcontrolv1.PriorityLevelConfiguration]{
		columns: columns(
			nameColumn(),
			column("Type", "string", flowcontrolv1.PriorityLevelConfigurationSpec{}.SwaggerDoc()["type"]),
			column("NominalConcurrencyShares", "string", flowcontrolv1.LimitedPriorityLevelConfiguration{}.SwaggerDoc()["nominalConcurrencyShares"]),
			column("Queues", "string", flowcontrolv1.QueuingConfiguration{}.SwaggerDoc()["queues"]),
			column("HandSize", "string", flowcontrolv1.QueuingConfiguration{}.SwaggerDoc()["handSize"]),
			column("QueueLengthLimit", "string", flowcontrolv1.QueuingConfiguration{}.SwaggerDoc()["queueLengthLimit"]),
			ageColumn(),
		),
		cells: func(pl *flowcontrolv1.PriorityLevelConfiguration, now time.Time) ([]any, error) {
			shares, queues, hand, limit := any(none), any(none), any(none), any(none)
			if l := pl.Spec.Limited; l != nil {
				shares = int64(derefOr(l.NominalConcurrencyShares, 0))
				if q := l.LimitResponse.Queuing; q != nil {
					queues, hand, limit = int64(q.Queues), int64(q.HandSize), int64(q.QueueLengthLimit)
				}
			}
			return []any{pl.Name, string(pl.Spec.Type), shares, queues, hand, limit, age(pl.CreationTimestamp, now)}, nil
		},
	}
}
