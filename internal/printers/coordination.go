package printers

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
)

// Leases prints NAME HOLDER AGE; an unheld lease has an empty HOLDER.
func Leases() Printer {
	return printer[coordinationv1.Lease]{
		columns: columns(nameColumn(), column("Holder", "string", coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]), ageColumn()),
		cells: func(l *coordinationv1.Lease, now time.Time) ([]any, error) {
			return []any{l.Name, derefOr(l.Spec.HolderIdentity, ""), age(l.CreationTimestamp, now)}, nil
		},
	}
}
