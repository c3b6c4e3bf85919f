package job

import (
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// TestDecidePodsCounts covers how many pods a NonIndexed Job creates or
// deletes.
func TestDecidePodsCounts(t *testing.T) {
	cases := []struct {
		name    string
		job     *batchv1.Job
		pods    []*corev1.Pod
		opts    []decideOpt
		create  int
		deletes []string
		retry   time.Duration
	}{
		{"first sync starts parallelism pods", testJob(parallelism(3), withCompletions(4)), nil, nil, 3, nil, 0},
		{"never more than the completions left", testJob(parallelism(3), withCompletions(4)),
			pods(testPod("a", succeeded), testPod("b", succeeded), testPod("c")), nil, 1, nil, 0},
		{"completions already in status count", testJob(parallelism(3), withCompletions(4), status(func(s *batchv1.JobStatus) { s.Succeeded = 3 })),
			pods(testPod("a")), nil, 0, nil, 0},
		{"parallelism 0 pauses the Job", testJob(parallelism(0), withCompletions(4)), pods(testPod("a")), nil, 0, []string{"a"}, 0},
		{"lowered parallelism deletes pending pods first", testJob(parallelism(1), withCompletions(9)),
			pods(testPod("run", ready), testPod("pend", pending), testPod("run2")), nil, 0, []string{"pend", "run2"}, 0},
		{"work queue: parallelism until one succeeds", testJob(noCompletions, parallelism(3)), pods(testPod("a")), nil, 2, nil, 0},
		{"work queue: after a success none starts", testJob(noCompletions, parallelism(3)),
			pods(testPod("a", succeeded), testPod("b")), nil, 0, nil, 0},
		{"unsatisfied expectations: wait for the cache", testJob(parallelism(3), withCompletions(4)), nil,
			[]decideOpt{unsatisfied}, 0, nil, 0},
		{"a failure delays the replacement 10 s", testJob(parallelism(2), withCompletions(4)),
			pods(testPod("a"), testPod("f", exited(1, at(-3*time.Second)))), nil, 0, nil, 7 * time.Second},
		{"the back-off doubles with each failure", testJob(parallelism(2), withCompletions(4)),
			pods(testPod("a"), testPod("f", exited(1, at(-3*time.Second)))),
			[]decideOpt{withBackoff(backoffRecord{failures: 2, lastFailure: at(-time.Minute)})}, 0, nil, 37 * time.Second},
		{"after the back-off, replace", testJob(parallelism(2), withCompletions(4)),
			pods(testPod("a"), testPod("f", exited(1, at(-3*time.Second)))), []decideOpt{now(at(10 * time.Second))}, 1, nil, 0},
		{"a deleted pod is replaced at once by default", testJob(parallelism(2), withCompletions(4)),
			pods(testPod("a"), testPod("d", deleting)), []decideOpt{now(at(time.Hour))}, 1, nil, 0},
		{"podReplacementPolicy Failed waits for it to fail", testJob(parallelism(2), withCompletions(4), replaceOnlyFailed),
			pods(testPod("a"), testPod("d", deleting)), nil, 0, nil, 0},
		{"suspended: every active pod goes", testJob(suspended, parallelism(2), withCompletions(4)),
			pods(testPod("a"), testPod("b"), testPod("done", succeeded)), nil, 0, []string{"a", "b"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := decideFor(c.job, c.pods, c.opts...)
			a := o.actions
			got := names(a.deletes)
			slices.Sort(got)
			if a.create != c.create || !slices.Equal(got, c.deletes) || a.retryAfter != c.retry || a.finishing {
				t.Errorf("create %d, delete %v, retry %v, finishing %v; want %d, %v, %v", a.create, got, a.retryAfter, a.finishing,
					c.create, c.deletes, c.retry)
			}
		})
	}
}

// TestDecidePodsIndexes covers which indexes an Indexed Job creates and
// which duplicates it removes.
func TestDecidePodsIndexes(t *testing.T) {
	cases := []struct {
		name    string
		job     *batchv1.Job
		pods    []*corev1.Pod
		indexes []int
		deletes []string
	}{
		{"lowest indexes first", testJob(indexed, parallelism(3), withCompletions(5)), nil, []int{0, 1, 2}, nil},
		{"skips running and succeeded indexes", testJob(indexed, parallelism(3), withCompletions(6), status(func(s *batchv1.JobStatus) {
			s.CompletedIndexes, s.Succeeded = "0,2", 2
		})), pods(testPod("a", index(1)), testPod("b", index(4), succeeded)), []int{3, 5}, nil},
		{"a failed index is retried", testJob(indexed, parallelism(2), withCompletions(2)),
			pods(testPod("a", index(0)), testPod("f", index(1), exited(1, at(-time.Minute)))), []int{1}, nil},
		{"duplicates and bad indexes go, the running one stays", testJob(indexed, parallelism(3), withCompletions(3)),
			pods(testPod("pend", index(0), pending), testPod("run", index(0), ready), testPod("none"), testPod("big", index(7)),
				testPod("ok", index(1))), nil, []string{"big", "none", "pend"}},
		{"Failed policy: a terminating index is not started again", testJob(indexed, replaceOnlyFailed, parallelism(2), withCompletions(2)),
			pods(testPod("d", index(0), deleting)), []int{1}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := decideFor(c.job, c.pods, now(at(time.Hour))).actions
			got := names(a.deletes)
			slices.Sort(got)
			if !slices.Equal(a.indexes, c.indexes) || !slices.Equal(got, c.deletes) || a.create != 0 {
				t.Errorf("indexes %v, deletes %v, create %d; want %v, %v", a.indexes, got, a.create, c.indexes, c.deletes)
			}
		})
	}
}

func TestWantActiveNeverNegative(t *testing.T) {
	job := testJob(parallelism(5), withCompletions(2), status(func(s *batchv1.JobStatus) { s.Succeeded = 3 }))
	if n := assess(input{job: job, now: anchor, satisfied: true}).wantActive(); n != 0 {
		t.Errorf("wantActive = %d with more successes than completions", n)
	}
}
