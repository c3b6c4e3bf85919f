package warm

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/ordo-dev/ordo/internal/runner"
)

// writeFailure puts a failed run on the Lease (runner.LastFailureAnnotation)
// unless the Lease shows a later failure already, so that the CronJob
// controller can record the failure and its exit code without the node
// writing anything but its Lease. Failures are written at once, not
// batched onto the next claim as successes are: they are rare, and a
// failing CronJob is worth a write per run to be seen failing.
func (l *loop) writeFailure(v string) {
	slot, _, _ := runner.ParseFailure(v)
	for i := 0; i < 5; i++ {
		lease, err := l.readLease(context.Background(), i > 0)
		if err != nil {
			return
		}
		if last, _, ok := runner.ParseFailure(lease.Annotations[runner.LastFailureAnnotation]); ok && !last.Before(slot) {
			return
		}
		if lease.Annotations == nil {
			lease.Annotations = map[string]string{}
		}
		lease.Annotations[runner.LastFailureAnnotation] = v
		if _, err = l.writeLease(context.Background(), lease); !apierrors.IsConflict(err) {
			return
		}
	}
}
