package printers

import (
	"time"

	nodev1 "k8s.io/api/node/v1"
)

// RuntimeClasses prints NAME HANDLER AGE.
func RuntimeClasses() Printer {
	return printer[nodev1.RuntimeClass]{
		columns: columns(nameColumn(), column("Handler", "string", nodev1.RuntimeClass{}.SwaggerDoc()["handler"]), ageColumn()),
		cells: func(rc *nodev1.RuntimeClass, now time.Time) ([]any, error) {
			return []any{rc.Name, rc.Handler, age(rc.CreationTimestamp, now)}, nil
		},
	}
}
