package cron

import (
	"testing"
	"time"
)

// FuzzParse feeds schedules, as a CronJob's spec.schedule and
// spec.timeZone would bring them, through Parse and Next. A schedule either
// fails to parse with an error or fires strictly after the time asked, in
// the zone it named; it never panics or loops.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"*/5 * * * *", "0 */2 * * *", "*/10 * * * * *", "@hourly", "@every 1h30m",
		"TZ=Europe/Berlin 30 2 * * *", "CRON_TZ=America/New_York 0 0 29 2 *",
		"0 0 31 2 *", "59 59 23 31 12 *", "1-5/2 * * * MON-FRI", "@every 0s", "? * * * *",
	} {
		f.Add(s, "")
	}
	f.Add("0 3 * * *", "Australia/Lord_Howe")
	start := time.Date(2026, 3, 29, 0, 59, 30, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec, zone string) {
		var z *string
		if zone != "" {
			z = &zone
		}
		s, err := Parse(spec, z, time.UTC)
		if err != nil {
			return
		}
		prev := start
		for i := 0; i < 3; i++ {
			next := s.Next(prev)
			if next.IsZero() {
				return
			}
			if !next.After(prev) {
				t.Fatalf("%q: Next(%v) = %v, not after it", spec, prev, next)
			}
			if next.Location() != s.Location() {
				t.Fatalf("%q: Next is in %v, the schedule's zone is %v", spec, next.Location(), s.Location())
			}
			prev = next
		}
	})
}
