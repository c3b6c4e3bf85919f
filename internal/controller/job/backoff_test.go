package job

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestBackoffLeft(t *testing.T) {
	cases := []struct {
		failures int32
		since    time.Duration
		want     time.Duration
	}{
		{0, 0, 0},
		{1, 0, 10 * time.Second},
		{1, 4 * time.Second, 6 * time.Second},
		{1, 10 * time.Second, 0},
		{2, 0, 20 * time.Second},
		{3, 0, 40 * time.Second},
		{6, 0, 320 * time.Second},
		{7, 0, 6 * time.Minute}, // 640 s, capped
		{50, time.Minute, 5 * time.Minute},
		{50, 7 * time.Minute, 0},
	}
	for _, c := range cases {
		if got := backoffLeft(c.failures, anchor, anchor.Add(c.since)); got != c.want {
			t.Errorf("%d failures, %v ago: %v, want %v", c.failures, c.since, got, c.want)
		}
	}
}

func TestBackoffRecordNext(t *testing.T) {
	fail := func(name string, d time.Duration) *corev1.Pod { return testPod(name, exited(1, at(d))) }
	ok := func(name string, d time.Duration) *corev1.Pod { return testPod(name, exited(0, at(d))) }
	start := backoffRecord{failures: 2, lastFailure: at(-time.Minute)}
	cases := []struct {
		name              string
		succeeded, failed []*corev1.Pod
		want              backoffRecord
	}{
		{"nothing new", nil, nil, start},
		{"failures add up; the latest is remembered", nil, pods(fail("a", 3*time.Second), fail("b", time.Second)),
			backoffRecord{failures: 4, lastFailure: at(3 * time.Second)}},
		{"a success resets", pods(ok("s", 0)), nil, backoffRecord{}},
		{"failures after the last success still count", pods(ok("s", 5*time.Second)),
			pods(fail("a", time.Second), fail("b", 6*time.Second), fail("c", 8*time.Second)),
			backoffRecord{failures: 2, lastFailure: at(8 * time.Second)}},
		{"failures before the success do not", pods(ok("s", 9*time.Second)), pods(fail("a", time.Second)), backoffRecord{}},
	}
	for _, c := range cases {
		if got := start.next(c.succeeded, c.failed); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
