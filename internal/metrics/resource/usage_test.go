package resource

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func TestWorkingSet(t *testing.T) {
	for _, tc := range []struct {
		usage, inactive, want uint64
	}{
		{usage: 100 << 20, inactive: 30 << 20, want: 70 << 20},
		{usage: 100 << 20, inactive: 0, want: 100 << 20},
		// All of it inactive cache, or the counters read a moment apart
		// with the cache larger: nothing is working set, never negative.
		{usage: 100 << 20, inactive: 100 << 20, want: 0},
		{usage: 10 << 20, inactive: 12 << 20, want: 0},
		{usage: 0, inactive: 0, want: 0},
	} {
		if got := WorkingSet(tc.usage, tc.inactive); got != tc.want {
			t.Errorf("WorkingSet(%d, %d) = %d, want %d", tc.usage, tc.inactive, got, tc.want)
		}
	}
}

func TestRate(t *testing.T) {
	for _, tc := range []struct {
		name      string
		prev, cur Point
		want      Usage
		ok        bool
	}{{
		name: "a quarter of a core over 10 s",
		prev: Point{Time: t0, CPUNanos: 5e9},
		cur:  Point{Time: t0.Add(10 * time.Second), CPUNanos: 7.5e9, MemoryWorkingSetBytes: 42},
		want: Usage{Timestamp: t0.Add(10 * time.Second), Window: 10 * time.Second, CPUNanoCores: 250_000_000, MemoryWorkingSetBytes: 42},
		ok:   true,
	}, {
		name: "two cores over 15 s",
		prev: Point{Time: t0, CPUNanos: 1e9},
		cur:  Point{Time: t0.Add(15 * time.Second), CPUNanos: 31e9},
		want: Usage{Timestamp: t0.Add(15 * time.Second), Window: 15 * time.Second, CPUNanoCores: 2e9},
		ok:   true,
	}, {
		name: "idle",
		prev: Point{Time: t0, CPUNanos: 1e9},
		cur:  Point{Time: t0.Add(time.Second), CPUNanos: 1e9, MemoryWorkingSetBytes: 7},
		want: Usage{Timestamp: t0.Add(time.Second), Window: time.Second, MemoryWorkingSetBytes: 7},
		ok:   true,
	}, {
		name: "counters of a year at full core do not overflow",
		prev: Point{Time: t0, CPUNanos: 365 * 24 * 3600 * 1e9},
		cur:  Point{Time: t0.Add(10 * time.Second), CPUNanos: 365*24*3600*1e9 + 10e9},
		want: Usage{Timestamp: t0.Add(10 * time.Second), Window: 10 * time.Second, CPUNanoCores: 1e9},
		ok:   true,
	}, {
		name: "counter went back: another cgroup",
		prev: Point{Time: t0, CPUNanos: 5e9},
		cur:  Point{Time: t0.Add(10 * time.Second), CPUNanos: 1e9},
	}, {
		name: "same time",
		prev: Point{Time: t0, CPUNanos: 5e9},
		cur:  Point{Time: t0, CPUNanos: 6e9},
	}, {
		name: "clock went back",
		prev: Point{Time: t0, CPUNanos: 5e9},
		cur:  Point{Time: t0.Add(-time.Second), CPUNanos: 6e9},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Rate(tc.prev, tc.cur)
			if ok != tc.ok || got != tc.want {
				t.Errorf("Rate = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestTracker(t *testing.T) {
	tr := NewTracker()
	at := func(d time.Duration, cpu, mem uint64) Point {
		return Point{Time: t0.Add(d), CPUNanos: cpu, MemoryWorkingSetBytes: mem}
	}

	// One sample of a cgroup with no known start: no rate yet.
	tr.Observe("node", at(0, 100e9, 1), time.Time{})
	if u, ok := tr.Usage("node"); ok {
		t.Fatalf("one sample gave a rate: %+v", u)
	}
	tr.Observe("node", at(10*time.Second, 105e9, 2), time.Time{})
	if u, ok := tr.Usage("node"); !ok || u.CPUNanoCores != 5e8 || u.Window != 10*time.Second || u.MemoryWorkingSetBytes != 2 {
		t.Fatalf("node usage = %+v, %v; want 500m over 10s", u, ok)
	}
	// The window moves on: only the last two samples count.
	tr.Observe("node", at(20*time.Second, 125e9, 3), time.Time{})
	if u, _ := tr.Usage("node"); u.CPUNanoCores != 2e9 || u.Timestamp != t0.Add(20*time.Second) {
		t.Fatalf("node usage = %+v; want 2 cores over the last window", u)
	}

	// A container run made 4 s before its first sample rates from zero.
	tr.Observe("c_1", at(20*time.Second, 1e9, 5), t0.Add(16*time.Second))
	if u, ok := tr.Usage("c_1"); !ok || u.CPUNanoCores != 25e7 || u.Window != 4*time.Second {
		t.Fatalf("new container usage = %+v, %v; want 250m over 4s", u, ok)
	}
	// A start not before the sample is no window.
	tr.Observe("c_2", at(20*time.Second, 1e9, 5), t0.Add(20*time.Second))
	if _, ok := tr.Usage("c_2"); ok {
		t.Fatal("a container sampled at its start has a rate")
	}

	tr.Retain(func(k string) bool { return k != "c_1" })
	if _, ok := tr.Usage("c_1"); ok {
		t.Fatal("c_1 was retained")
	}
	if _, ok := tr.Usage("node"); !ok {
		t.Fatal("node was forgotten")
	}
}
