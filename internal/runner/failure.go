package runner

import (
	"strconv"
	"strings"
	"time"
)

// LastFailureAnnotation is the newest slot whose run failed, and its exit
// code: "<slot, RFC 3339> <code>", the code absent when the command could
// not start. The runner writes it as the run ends; the CronJob controller
// reads it into the CronJob's run record (the node writes only its Lease).
const LastFailureAnnotation = "ordo.dev/last-failure"

// FormatFailure is the annotation's value for a failed run of slot; code
// is nil when the command did not start.
func FormatFailure(slot time.Time, code *int32) string {
	v := slot.UTC().Format(time.RFC3339Nano)
	if code != nil {
		v += " " + strconv.Itoa(int(*code))
	}
	return v
}

// ParseFailure reads the annotation's value.
func ParseFailure(v string) (slot time.Time, code *int32, ok bool) {
	at, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
	slot, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return time.Time{}, nil, false
	}
	if n, err := strconv.ParseInt(rest, 10, 32); err == nil {
		c := int32(n)
		code = &c
	}
	return slot, code, true
}
