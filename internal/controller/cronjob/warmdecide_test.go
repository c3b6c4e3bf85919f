package cronjob

import (
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/cron"
	"github.com/ordo-dev/ordo/internal/runner"
)

var warmT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func warmCJ() *batchv1.CronJob {
	return &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "tick", Namespace: "default", UID: "cj-uid",
		Annotations: map[string]string{runner.RunnerAnnotation: runner.WarmRunner}},
		Spec: batchv1.CronJobSpec{Schedule: "* * * * * *"}}
}

// runnerPod is a runner of cj born at born; ready marks it Ready, stale
// gives it another template's hash.
func runnerPod(cj *batchv1.CronJob, name string, born time.Time, ready, stale bool) *corev1.Pod {
	p := newRunnerPod(cj, templateHash(cj), born)
	p.Name = name
	if stale {
		p.Annotations[templateHashAnnotation] = "old"
	}
	p.Status.Phase = corev1.PodRunning
	if ready {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	return p
}

func describeWarm(p warmPlan) string {
	var out []string
	if p.createLease {
		out = append(out, "lease")
	}
	if p.createRunner != "" {
		out = append(out, "create ("+p.createRunner+")")
	}
	if p.handoff != nil {
		out = append(out, "hand to "+p.handoff.HandTo+" at "+p.handoff.HandAt.Format("05.000"))
	}
	for _, d := range p.deleteRunners {
		out = append(out, "delete "+d.Name)
	}
	return strings.Join(out, "; ")
}

func TestDecideWarm(t *testing.T) {
	sched, err := cron.Parse("* * * * * *", nil, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	cj := warmCJ()
	suspended := warmCJ()
	suspended.Spec.Suspend = ptr.To(true)
	now := warmT0.Add(5*time.Second + 200*time.Millisecond)
	held := func(holder string) *runner.Token {
		return &runner.Token{Holder: holder, Renewed: now, Duration: 10 * time.Second}
	}
	handing := &runner.Token{Holder: "a", HandTo: "b", HandAt: warmT0.Add(6 * time.Second)}
	failed := runnerPod(cj, "a", warmT0, true, false)
	failed.Status.Phase = corev1.PodFailed
	cases := []struct {
		name    string
		cj      *batchv1.CronJob
		runners []*corev1.Pod
		token   *runner.Token
		want    string
	}{
		{"a new CronJob: its Lease and a runner", cj, nil, nil, "lease; create (no runner)"},
		{"one runner, young: nothing", cj, []*corev1.Pod{runnerPod(cj, "a", warmT0, true, false)}, held("a"), ""},
		{"a jobTemplate change: a successor", cj, []*corev1.Pod{runnerPod(cj, "a", warmT0, true, true)}, held("a"), "create (jobTemplate changed)"},
		{"past its rotation start: a successor", cj, []*corev1.Pod{runnerPod(cj, "a", warmT0.Add(-time.Hour), true, false)}, held("a"), "create (rotation)"},
		{"successor not Ready: wait", cj, []*corev1.Pod{runnerPod(cj, "a", warmT0.Add(-time.Hour), true, false), runnerPod(cj, "b", warmT0, false, false)}, held("a"), ""},
		{"successor Ready: hand off at the next slot 500 ms ahead", cj,
			[]*corev1.Pod{runnerPod(cj, "a", warmT0.Add(-time.Hour), true, false), runnerPod(cj, "b", warmT0, true, false)}, held("a"), "hand to b at 06.000"},
		{"hand-off arranged: wait", cj,
			[]*corev1.Pod{runnerPod(cj, "a", warmT0.Add(-time.Hour), true, false), runnerPod(cj, "b", warmT0, true, false)}, handing, ""},
		{"successor holds the token: the old runner goes", cj,
			[]*corev1.Pod{runnerPod(cj, "a", warmT0.Add(-time.Hour), true, false), runnerPod(cj, "b", warmT0, true, false)}, held("b"), "delete a"},
		{"a failed runner is replaced", cj, []*corev1.Pod{failed}, held("a"), "create (no runner); delete a"},
		{"suspended: no runner", suspended, []*corev1.Pod{runnerPod(cj, "a", warmT0, true, false)}, held("a"), "delete a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := describeWarm(decideWarm(warmInput{cj: c.cj, sched: sched, runners: c.runners, token: c.token, lifetime: time.Hour, now: now}))
			if got != c.want {
				t.Errorf("plan %q, want %q", got, c.want)
			}
		})
	}
}
