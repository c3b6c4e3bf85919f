package cron

import "fmt"

// CatchUpAnnotation chooses which missed slots a CronJob runs after the
// controller was down or the CronJob was held back. It is an annotation, so
// a manifest using it stays valid on a real cluster.
const CatchUpAnnotation = "ordo.dev/catch-up"

// CatchUp is the value of CatchUpAnnotation.
type CatchUp string

const (
	// CatchUpLatest runs only the most recent missed slot, as Kubernetes
	// does; the default.
	CatchUpLatest CatchUp = "latest"
	// CatchUpAll runs every missed slot still inside
	// startingDeadlineSeconds, oldest first.
	CatchUpAll CatchUp = "all"
)

// CatchUpValues lists the accepted values, for error messages.
var CatchUpValues = []string{string(CatchUpLatest), string(CatchUpAll)}

// CatchUpOf reads the policy from a CronJob's annotations.
func CatchUpOf(annotations map[string]string) (CatchUp, error) {
	v, ok := annotations[CatchUpAnnotation]
	switch {
	case !ok || v == string(CatchUpLatest):
		return CatchUpLatest, nil
	case v == string(CatchUpAll):
		return CatchUpAll, nil
	}
	return CatchUpLatest, fmt.Errorf("unsupported value %q: supported values: %q, %q", v, CatchUpLatest, CatchUpAll)
}

// Reasons a due slot does not run, shared by the CronJob controller and
// warm runners for their events and metrics.
const (
	MissedTooLate    = "TooLate"    // older than startingDeadlineSeconds
	MissedSuperseded = "Superseded" // catch-up latest ran a newer slot
	MissedTooMany    = "TooMany"    // beyond the newest slots looked at one by one
)
