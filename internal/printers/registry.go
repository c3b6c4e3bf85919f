package printers

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/rest"
)

// Printer is one kind's table columns and cells, before a clock is chosen.
// Each kind's description in the registry catalog names its Printer (Pods,
// Jobs, ...); a kind without one gets Kubernetes' default table.
type Printer interface {
	withClock(now func() time.Time) rest.TableConvertor
}

// Table is p's table convertor on the real clock. A nil p gives
// rest.NewDefaultTableConvertor(gr) (NAME, CREATED AT), as Kubernetes does
// for kinds without a printer.
func Table(p Printer, gr schema.GroupResource) rest.TableConvertor {
	return tableAt(p, gr, time.Now)
}

// tableAt is Table with the clock ages are computed from; tests pass a
// fixed one.
func tableAt(p Printer, gr schema.GroupResource, now func() time.Time) rest.TableConvertor {
	if p == nil {
		return rest.NewDefaultTableConvertor(gr)
	}
	return p.withClock(now)
}
