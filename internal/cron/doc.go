// Package cron turns a CronJob's schedule and time zone into the instants its
// runs are due. It wraps github.com/robfig/cron/v3 (the parser Kubernetes
// uses) and adds what a CronJob controller needs on top of it:
//
//   - seconds: a 6-field schedule, seconds first, as robfig's seconds parser
//     reads it; 5 fields, @hourly-style macros and @every as Kubernetes;
//   - time zones: spec.timeZone, a TZ=/CRON_TZ= prefix, or the server's zone;
//   - daylight saving: a schedule fires once per wall-clock slot on the days
//     the clocks change (see Schedule.Next);
//   - windows: the slots due between two instants, bounded, so a controller
//     can tell what it missed while it was down (Window).
//
// Everything here is pure: time is always a parameter.
package cron
