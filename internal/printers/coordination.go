package printers

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func coordinationDefinitions() map[schema.GroupResource]definition {
	return map[schema.GroupResource]definition{
		{Group: "coordination.k8s.io", Resource: "leases"}: leasePrinter(),
	}
}

// leasePrinter prints NAME HOLDER AGE; an unheld lease has an empty HOLDER.
func leasePrinter() printer[coordinationv1.Lease] {
	return printer[coordinationv1.Lease]{
		columns: columns(nameColumn(), column("Holder", "string", coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]), ageColumn()),
		cells: func(l *coordinationv1.Lease, now time.Time) ([]any, error) {
			return []any{l.Name, derefOr(l.Spec.HolderIdentity, ""), age(l.CreationTimestamp, now)}, nil
		},
	}
}
