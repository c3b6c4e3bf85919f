package cron

import (
	"fmt"
	"strings"
	"time"
	// Embedded IANA data: time zones must not depend on the host having
	// /usr/share/zoneinfo, since ordo ships as one binary.
	_ "time/tzdata"

	robfig "github.com/robfig/cron/v3"
)

// secondsParser reads ordo's 6-field schedules, seconds first.
var secondsParser = robfig.NewParser(robfig.Second | robfig.Minute | robfig.Hour |
	robfig.Dom | robfig.Month | robfig.Dow | robfig.Descriptor)

// Parse reads a CronJob schedule. zone is spec.timeZone (nil when unset);
// local is the zone used when neither zone nor a TZ=/CRON_TZ= prefix names
// one (Kubernetes uses the controller manager's local zone). robfig can
// panic on some malformed input, so panics become errors.
func Parse(spec string, zone *string, local *time.Location) (s *Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("invalid schedule format: %v", r)
		}
	}()
	prefixZone, body := SplitTZ(spec)
	loc, err := location(prefixZone, zone, local)
	if err != nil {
		return nil, err
	}
	descriptor := strings.HasPrefix(body, "@")
	n := len(strings.Fields(body))
	if !descriptor && n != 5 && n != 6 {
		return nil, fieldCountError(n)
	}
	seconds := !descriptor && n == 6
	var parsed robfig.Schedule
	if seconds {
		parsed, err = secondsParser.Parse(body)
	} else {
		parsed, err = robfig.ParseStandard(body)
	}
	if err != nil {
		return nil, err
	}
	return newSchedule(parsed, loc, seconds && !onlyZeroSeconds(body)), nil
}

// fieldCountError says which schedules are accepted: robfig's own message
// names only the standard parser's five fields, though ordo takes six.
func fieldCountError(found int) error {
	return fmt.Errorf("expected 5 fields (minute hour day-of-month month day-of-week), "+
		"or 6 with seconds first (second minute hour day-of-month month day-of-week), "+
		"or a descriptor such as @hourly; found %d fields", found)
}

// Validate reports whether spec parses, without regard to a time zone
// field; it is what API validation needs.
func Validate(spec string) error {
	_, err := Parse(spec, nil, time.UTC)
	return err
}

// HasTZPrefix reports whether spec starts with TZ= or CRON_TZ=.
func HasTZPrefix(spec string) bool {
	s := strings.TrimSpace(spec)
	return strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=")
}

// SplitTZ splits a leading "TZ=zone " or "CRON_TZ=zone " off spec,
// returning the zone ("" when absent) and the rest.
func SplitTZ(spec string) (zone, body string) {
	s := strings.TrimSpace(spec)
	if !HasTZPrefix(s) {
		return "", s
	}
	head, rest, _ := strings.Cut(s, " ")
	_, zone, _ = strings.Cut(head, "=")
	return zone, strings.TrimSpace(rest)
}

// location picks the schedule's zone: the schedule's own prefix, else
// spec.timeZone, else local. (Validation refuses a prefix together with
// spec.timeZone.)
func location(prefixZone string, zone *string, local *time.Location) (*time.Location, error) {
	name := prefixZone
	if name == "" && zone != nil {
		name = *zone
	}
	if name == "" {
		if local == nil {
			return time.Local, nil
		}
		return local, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("provided bad location %s: %v", name, err)
	}
	return loc, nil
}

// onlyZeroSeconds reports whether a 6-field schedule's seconds field is the
// literal "0": such a schedule fires on whole minutes, so its Jobs keep
// Kubernetes' minute names.
func onlyZeroSeconds(body string) bool {
	f := strings.Fields(body)
	return len(f) == 6 && f[0] == "0"
}
