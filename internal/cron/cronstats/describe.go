package cronstats

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ordo-dev/ordo/internal/cron"
)

// macros words the descriptors robfig (and Kubernetes) accept.
var macros = map[string]string{
	"@yearly":   "at 00:00 on January 1 every year",
	"@annually": "at 00:00 on January 1 every year",
	"@monthly":  "at 00:00 on day 1 of every month",
	"@weekly":   "at 00:00 every Sunday",
	"@daily":    "at 00:00 every day",
	"@midnight": "at 00:00 every day",
	"@hourly":   "every hour, on the hour",
}

// fields is a parsed 5- or 6-field schedule, seconds "0" when absent.
type fields struct{ sec, min, hour, dom, month, dow string }

// Describe says a schedule in plain words ("every 5 seconds", "at 02:00
// every day"), or returns it unchanged when it has no simpler wording.
// A TZ=/CRON_TZ= prefix is left out: the zone is shown on its own.
func Describe(schedule string) string {
	if cron.Validate(schedule) != nil {
		return schedule
	}
	_, body := cron.SplitTZ(schedule)
	if words, ok := macros[body]; ok {
		return words
	}
	if every, ok := strings.CutPrefix(body, "@every "); ok {
		if d, err := time.ParseDuration(strings.TrimSpace(every)); err == nil {
			if words, ok := describeDuration(d); ok {
				return words
			}
		}
		return schedule
	}
	f, ok := splitFields(body)
	if !ok {
		return schedule
	}
	when, ok := describeTime(f)
	if !ok {
		return schedule
	}
	days, ok := describeDays(f)
	if !ok {
		return schedule
	}
	if days == "every day" && strings.HasPrefix(when, "every ") {
		return when
	}
	return when + " " + days
}

func splitFields(body string) (fields, bool) {
	p := strings.Fields(body)
	switch len(p) {
	case 5:
		return fields{"0", p[0], p[1], p[2], p[3], p[4]}, true
	case 6:
		return fields{p[0], p[1], p[2], p[3], p[4], p[5]}, true
	}
	return fields{}, false
}

// describeTime words the time-of-day fields: a frequency ("every 5
// minutes") or clock times ("at 02:00", "at 09:00 and 17:00").
func describeTime(f fields) (string, bool) {
	sec, secOK := number(f.sec)
	switch {
	case isAll(f.sec) && isAll(f.min) && isAll(f.hour):
		return "every second", true
	case isAll(f.min) && isAll(f.hour):
		if n, ok := step(f.sec); ok {
			return plural(n, "second"), true
		}
		if secOK && sec == 0 {
			return "every minute", true
		}
		if secOK {
			return fmt.Sprintf("every minute at second %d", sec), true
		}
		return "", false
	case !secOK:
		return "", false
	}
	suffix := ""
	if sec != 0 {
		suffix = fmt.Sprintf(" at second %d", sec)
	}
	if isAll(f.hour) {
		if isAll(f.min) {
			return "every minute" + suffix, true
		}
		if n, ok := step(f.min); ok {
			return plural(n, "minute") + suffix, true
		}
		if m, ok := number(f.min); ok {
			return fmt.Sprintf("every hour at :%02d%s", m, clockSeconds(sec)), true
		}
		return "", false
	}
	m, ok := number(f.min)
	if !ok {
		return "", false
	}
	if n, ok := step(f.hour); ok {
		return fmt.Sprintf("%s at :%02d%s", plural(n, "hour"), m, clockSeconds(sec)), true
	}
	hours, ok := numbers(f.hour)
	if !ok {
		return "", false
	}
	clocks := make([]string, len(hours))
	for i, h := range hours {
		clocks[i] = fmt.Sprintf("%02d:%02d%s", h, m, clockSeconds(sec))
	}
	return "at " + join(clocks), true
}

// describeDays words the day fields ("every day", "on weekdays", "every
// Monday", "on day 1 of every month").
func describeDays(f fields) (string, bool) {
	dom, month, dow := orAll(f.dom), orAll(f.month), orAll(f.dow)
	switch {
	case isAll(dom) && isAll(month) && isAll(dow):
		return "every day", true
	case isAll(dom) && isAll(month):
		return describeWeekdays(dow)
	case isAll(dow) && isAll(month):
		days, ok := numbers(dom)
		if !ok {
			return "", false
		}
		return "on day " + join(itoa(days)) + " of every month", true
	case isAll(dow):
		d, ok1 := number(dom)
		m, ok2 := monthNumber(month)
		if !ok1 || !ok2 {
			return "", false
		}
		return fmt.Sprintf("on %s %d every year", time.Month(m), d), true
	}
	return "", false
}

func describeWeekdays(dow string) (string, bool) {
	switch strings.ToUpper(dow) {
	case "1-5", "MON-FRI":
		return "on weekdays", true
	case "0,6", "6,0", "SAT,SUN", "SUN,SAT", "6,7", "6-7":
		return "on weekends", true
	}
	var names []string
	for _, d := range strings.Split(dow, ",") {
		n, ok := weekdayNumber(d)
		if !ok {
			return "", false
		}
		names = append(names, time.Weekday(n%7).String())
	}
	if len(names) == 1 {
		return "every " + names[0], true
	}
	return "on " + join(names), true
}

// describeDuration words an @every period.
func describeDuration(d time.Duration) (string, bool) {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		if d >= u.d && d%u.d == 0 {
			return plural(int(d/u.d), u.name), true
		}
	}
	return "every " + d.String(), d > 0
}

func plural(n int, unit string) string {
	if n == 1 {
		return "every " + unit
	}
	return fmt.Sprintf("every %d %ss", n, unit)
}

func clockSeconds(sec int) string {
	if sec == 0 {
		return ""
	}
	return fmt.Sprintf(":%02d", sec)
}

func isAll(f string) bool { return f == "*" || f == "?" }

func orAll(f string) string {
	if f == "?" {
		return "*"
	}
	return f
}

// step reads "*/N" (and "0/N", which robfig reads the same for these
// fields starting at 0).
func step(f string) (int, bool) {
	base, n, ok := strings.Cut(f, "/")
	if !ok || (base != "*" && base != "0") {
		return 0, false
	}
	v, err := strconv.Atoi(n)
	return v, err == nil && v > 0
}

func number(f string) (int, bool) {
	v, err := strconv.Atoi(f)
	return v, err == nil
}

// numbers reads a comma-separated list of plain numbers.
func numbers(f string) ([]int, bool) {
	var out []int
	for _, p := range strings.Split(f, ",") {
		v, ok := number(p)
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

var weekdayNames = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

func weekdayNumber(f string) (int, bool) {
	if v, ok := number(f); ok {
		return v, true
	}
	for i, n := range weekdayNames {
		if strings.EqualFold(f, n) {
			return i, true
		}
	}
	return 0, false
}

func monthNumber(f string) (int, bool) {
	if v, ok := number(f); ok {
		return v, v >= 1 && v <= 12
	}
	for m := time.January; m <= time.December; m++ {
		if strings.EqualFold(f, m.String()[:3]) {
			return int(m), true
		}
	}
	return 0, false
}

func itoa(v []int) []string {
	out := make([]string, len(v))
	for i, n := range v {
		out[i] = strconv.Itoa(n)
	}
	return out
}

// join lists words as a person would: "a", "a and b", "a, b and c".
func join(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
