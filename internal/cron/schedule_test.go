package cron

import (
	"strings"
	"testing"
	"time"

	"k8s.io/utils/ptr"
)

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// runs lists the instants the schedule fires in (from, to].
func runs(t *testing.T, s *Schedule, from, to time.Time) []time.Time {
	t.Helper()
	var out []time.Time
	for next := s.Next(from); !next.IsZero() && !next.After(to); next = s.Next(next) {
		out = append(out, next)
		if len(out) > 10000 {
			t.Fatal("runaway schedule")
		}
	}
	return out
}

func TestNextInZone(t *testing.T) {
	utc := time.UTC
	base := time.Date(2026, 1, 1, 10, 0, 0, 0, utc)
	cases := []struct {
		spec string
		zone *string
		want time.Time
	}{
		{"*/5 * * * *", nil, base.Add(5 * time.Minute)},
		{"30 * * * * *", nil, base.Add(30 * time.Second)},
		{"*/10 * * * * *", nil, base.Add(10 * time.Second)},
		{"@every 90s", nil, base.Add(90 * time.Second)},
		{"@hourly", nil, base.Add(time.Hour)},
		{"@daily", nil, time.Date(2026, 1, 2, 0, 0, 0, 0, utc)},
		// 10:00 UTC is 19:00 in Tokyo; the next 09:00 there is 00:00 UTC.
		{"0 9 * * *", ptr.To("Asia/Tokyo"), time.Date(2026, 1, 2, 0, 0, 0, 0, utc)},
		{"TZ=Asia/Tokyo 0 9 * * *", nil, time.Date(2026, 1, 2, 0, 0, 0, 0, utc)},
		{"CRON_TZ=America/New_York 0 6 * * *", nil, time.Date(2026, 1, 1, 11, 0, 0, 0, utc)},
	}
	for _, tc := range cases {
		t.Run(tc.spec, func(t *testing.T) {
			s, err := Parse(tc.spec, tc.zone, utc)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(base); !got.Equal(tc.want) {
				t.Fatalf("Next(%v) = %v, want %v", base, got, tc.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, spec := range []string{"", "not a cron", "* * * *", "* * * * * * *", "61 * * * *", "@sometimes", "TZ=Mars/Olympus * * * * *"} {
		if err := Validate(spec); err == nil {
			t.Errorf("Validate(%q) accepted", spec)
		}
	}
	if _, err := Parse("* * * * *", ptr.To("Nowhere/Land"), time.UTC); err == nil {
		t.Error("unknown timeZone accepted")
	}
}

// TestFieldCountErrorNamesWhatIsAccepted: robfig's standard parser says
// "expected exactly 5 fields" even though ordo accepts 6.
func TestFieldCountErrorNamesWhatIsAccepted(t *testing.T) {
	for spec, found := range map[string]string{"0 0 0 * * * 2026": "found 7 fields", "* * * *": "found 4 fields", "": "found 0 fields"} {
		err := Validate(spec)
		if err == nil {
			t.Fatalf("Validate(%q) accepted", spec)
		}
		for _, want := range []string{"expected 5 fields", "or 6 with seconds first", found} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Validate(%q) = %q, want it to say %q", spec, err, want)
			}
		}
	}
}

func TestSubMinute(t *testing.T) {
	cases := map[string]bool{
		"* * * * *": false, "@hourly": false, "0 * * * * *": false, "@every 2m": false,
		"*/5 * * * * *": true, "30 0 * * * *": true, "@every 30s": true, "@every 90s": true,
	}
	for spec, want := range cases {
		s, err := Parse(spec, nil, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if s.SubMinute() != want {
			t.Errorf("%q: SubMinute() = %v, want %v", spec, s.SubMinute(), want)
		}
	}
}

// The days clocks change, in two zones: each wall-clock slot fires once.
func TestDaylightSavingDays(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	berlin := mustLoad(t, "Europe/Berlin")
	at := func(loc *time.Location, d, h, m int, month time.Month) time.Time {
		return time.Date(2026, month, d, h, m, 0, 0, loc)
	}
	cases := []struct {
		name     string
		spec     string
		zone     string
		from, to time.Time
		want     []time.Time
	}{{
		name: "spring forward: 02:30 does not exist in New York, fires at 03:00 EDT",
		spec: "30 2 * * *", zone: "America/New_York",
		from: at(ny, 7, 0, 0, time.March), to: at(ny, 10, 0, 0, time.March),
		want: []time.Time{at(ny, 7, 2, 30, time.March), time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), at(ny, 9, 2, 30, time.March)},
	}, {
		name: "spring forward: hourly schedule has one run for the skipped hour",
		spec: "0 * * * *", zone: "America/New_York",
		from: at(ny, 8, 0, 30, time.March), to: at(ny, 8, 4, 30, time.March),
		want: []time.Time{at(ny, 8, 1, 0, time.March), time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), time.Date(2026, 3, 8, 8, 0, 0, 0, time.UTC)},
	}, {
		name: "fall back: 01:30 happens twice in New York, fires on the first only",
		spec: "30 1 * * *", zone: "America/New_York",
		from: at(ny, 31, 0, 0, time.October), to: at(ny, 3, 0, 0, time.November),
		want: []time.Time{at(ny, 31, 1, 30, time.October), time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), at(ny, 2, 1, 30, time.November)},
	}, {
		name: "fall back: every 30 minutes, the repeated hour runs once",
		spec: "*/30 * * * *", zone: "America/New_York",
		// 00:45 EDT .. 02:15 EST
		from: time.Date(2026, 11, 1, 4, 45, 0, 0, time.UTC), to: time.Date(2026, 11, 1, 7, 15, 0, 0, time.UTC),
		want: []time.Time{
			time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC),  // 01:00 EDT
			time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), // 01:30 EDT
			time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC),  // 02:00 EST
		},
	}, {
		name: "spring forward in Berlin: 02:15 fires at 03:00 CEST",
		spec: "15 2 * * *", zone: "Europe/Berlin",
		from: at(berlin, 29, 0, 0, time.March), to: at(berlin, 29, 23, 0, time.March),
		want: []time.Time{time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC)},
	}, {
		name: "fall back in Berlin: 02:15 fires once, at 02:15 CEST",
		spec: "15 2 * * *", zone: "Europe/Berlin",
		from: at(berlin, 25, 0, 0, time.October), to: at(berlin, 25, 23, 0, time.October),
		want: []time.Time{time.Date(2026, 10, 25, 0, 15, 0, 0, time.UTC)},
	}, {
		name: "seconds schedule across the repeated hour: no slot twice",
		spec: "0 59 1 * * *", zone: "America/New_York",
		from: at(ny, 1, 0, 0, time.November), to: at(ny, 1, 12, 0, time.November),
		want: []time.Time{time.Date(2026, 11, 1, 5, 59, 0, 0, time.UTC)},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.spec, &tc.zone, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			got := runs(t, s, tc.from, tc.to)
			if len(got) != len(tc.want) {
				t.Fatalf("runs = %v, want %v", got, tc.want)
			}
			for i := range got {
				if !got[i].Equal(tc.want[i]) {
					t.Fatalf("run %d = %v, want %v (all: %v)", i, got[i].UTC(), tc.want[i].UTC(), got)
				}
			}
		})
	}
}

func TestWindow(t *testing.T) {
	s, err := Parse("* * * * *", nil, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	w := s.Window(t0, t0.Add(10*time.Minute+30*time.Second), 3)
	if w.Total != 10 || !w.Exact || len(w.Recent) != 3 || !w.Latest().Equal(t0.Add(10*time.Minute)) || !w.Recent[0].Equal(t0.Add(8*time.Minute)) {
		t.Fatalf("window = %+v", w)
	}
	if w := s.Window(t0, t0.Add(59*time.Second), 3); w.Total != 0 || !w.Latest().IsZero() {
		t.Fatalf("empty window = %+v", w)
	}
	// A slot exactly at the end is due; one exactly at the start is not.
	if w := s.Window(t0, t0.Add(time.Minute), 1); w.Total != 1 {
		t.Fatalf("boundary window = %+v", w)
	}
}

func TestWindowJumpsOverLongGaps(t *testing.T) {
	s, err := Parse("* * * * * *", nil, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	until := t0.Add(7 * 24 * time.Hour)
	w := s.Window(t0, until, 5)
	if w.Exact {
		t.Fatal("a week of seconds should be estimated, not scanned")
	}
	if want := 7 * 24 * 3600; w.Total < want-10 || w.Total > want+10 {
		t.Fatalf("total = %d, want about %d", w.Total, want)
	}
	if len(w.Recent) != 5 || !w.Latest().Equal(until) || !w.Recent[0].Equal(until.Add(-4*time.Second)) {
		t.Fatalf("recent = %v", w.Recent)
	}
}
