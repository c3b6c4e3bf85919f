package warm

import (
	"fmt"
	"strconv"
	"time"

	"github.com/ordo-dev/ordo/internal/runner"
)

// stamp is a slot as ORDO_SCHEDULED_TIME shows it: RFC 3339, UTC, whole
// seconds (sub-second schedules do not exist).
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func itoa(n int) string { return strconv.Itoa(n) }

func missMessage(m runner.Missed) string {
	why := map[string]string{
		runner.MissedTooLate:    "it is older than startingDeadlineSeconds",
		runner.MissedSuperseded: "a newer slot runs instead (catch-up latest)",
		runner.MissedTooMany:    "too many slots were missed to look at each",
		missedClaimLost:         "the write of its claim failed but may have been applied, so it did not run (it must never run twice)",
	}[m.Reason]
	if m.Count > 1 {
		return fmt.Sprintf("Missed scheduled time %s and %d earlier: %s", stamp(m.Slot), m.Count-1, why)
	}
	return fmt.Sprintf("Missed scheduled time %s: %s", stamp(m.Slot), why)
}
