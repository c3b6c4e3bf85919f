package cronjob

import (
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/cron"
	"github.com/ordo-dev/ordo/internal/runner"
)

// warmInput is what decideWarm looks at: the CronJob, its runner pods, its
// token (nil while the Lease does not exist), and the clock.
type warmInput struct {
	cj       *batchv1.CronJob
	sched    *cron.Schedule
	runners  []*corev1.Pod
	token    *runner.Token
	lifetime time.Duration
	now      time.Time
}

// warmPlan is decideWarm's answer, applied in this order: create the
// Lease, create a runner, arrange a hand-off, delete runners, write the
// status.
type warmPlan struct {
	createLease   bool
	createRunner  string // why ("" for no new runner)
	handoff       *runner.Token
	deleteRunners []*corev1.Pod
	requeueAfter  time.Duration
}

// decideWarm keeps one runner pod per warm CronJob, at most two during a
// hand-off:
//   - suspended: no runner (runs stop at once); the token stays;
//   - finished or failed runners are deleted; none left live: a new one;
//   - the newest runner made from an older jobTemplate, or past its
//     rotation start: a successor;
//   - a successor Ready: the hand-off is arranged at the next slot far
//     enough ahead (runner.HandoffSlot); once the successor holds the
//     token, the older runners go.
func decideWarm(in warmInput) warmPlan {
	var p warmPlan
	p.createLease = in.token == nil
	live := liveRunners(in.runners, &p)
	if in.cj.Spec.Suspend != nil && *in.cj.Spec.Suspend {
		p.deleteRunners = append(p.deleteRunners, live...)
		return p
	}
	if len(live) == 0 {
		p.createRunner = "no runner"
		p.requeueAfter = time.Second
		return p
	}
	newest := live[len(live)-1]
	rotateAt := runner.RotationStart(newest.Name, bornAt(newest), in.lifetime)
	switch {
	case len(live) == 1 && newest.Annotations[templateHashAnnotation] != templateHash(in.cj):
		p.createRunner = "jobTemplate changed"
	case len(live) == 1 && !in.now.Before(rotateAt):
		p.createRunner = "rotation"
	case len(live) == 1:
		p.requeueAfter = rotateAt.Sub(in.now)
		return p
	}
	if len(live) > 1 && in.token != nil {
		planHandoff(in, live, newest, &p)
	}
	p.requeueAfter = 500 * time.Millisecond // a hand-off is under way
	return p
}

// planHandoff hands the token to the newest runner once it is Ready, and
// retires the older ones once it holds the token.
func planHandoff(in warmInput, live []*corev1.Pod, newest *corev1.Pod, p *warmPlan) {
	tok := *in.token
	switch {
	case tok.Holder == newest.Name:
		p.deleteRunners = append(p.deleteRunners, live[:len(live)-1]...)
	case !podIsReady(newest):
	case tok.HandTo != newest.Name:
		if at := runner.HandoffSlot(in.sched, in.now); !at.IsZero() {
			next := tok.Handing(newest.Name, at)
			p.handoff = &next
		}
	}
}

// liveRunners are the runners neither terminating nor finished, oldest
// first; finished ones are planned for deletion.
func liveRunners(pods []*corev1.Pod, p *warmPlan) []*corev1.Pod {
	var live []*corev1.Pod
	for _, pod := range pods {
		switch {
		case pod.DeletionTimestamp != nil:
		case pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded:
			p.deleteRunners = append(p.deleteRunners, pod)
		default:
			live = append(live, pod)
		}
	}
	sort.SliceStable(live, func(i, j int) bool { return bornAt(live[i]).Before(bornAt(live[j])) })
	return live
}

func podIsReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
