package cronjob

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// reconcileActive brings status.active and lastSuccessfulTime in line with
// the Jobs that exist, as Kubernetes' controller does, with one change: an
// unfinished Job that carries our scheduled-time annotation is one we
// created (a crash came between the create and the status write), so it is
// put back in the active list rather than reported as unexpected; that
// keeps Forbid and Replace correct across crashes.
func reconcileActive(in *input, p *plan) {
	inActive := map[types.UID]bool{}
	for _, ref := range p.status.Active {
		inActive[ref.UID] = true
	}
	exists := map[types.UID]bool{}
	for _, j := range in.jobs {
		exists[j.UID] = true
		cond, done := finished(j)
		switch {
		case !done && !inActive[j.UID]:
			if _, ours := j.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; ours {
				p.status.Active = append(p.status.Active, jobRef(j))
				inActive[j.UID] = true
			} else {
				p.eventf(corev1.EventTypeWarning, "UnexpectedJob", "Saw a job that the controller did not create or forgot: "+j.Name)
			}
		case done && inActive[j.UID]:
			removeActive(p, j.UID)
			p.eventf(corev1.EventTypeNormal, "SawCompletedJob", fmt.Sprintf("Saw completed job: %s, condition: %v", j.Name, cond))
		}
		if cond == batchv1.JobComplete && done {
			noteSuccess(p, j)
		}
	}
	for _, ref := range append([]corev1.ObjectReference(nil), p.status.Active...) {
		if !exists[ref.UID] && in.gone[ref.Name] {
			removeActive(p, ref.UID)
			p.eventf(corev1.EventTypeNormal, "MissingJob", fmt.Sprintf("Active job went missing: %v", ref.Name))
		}
	}
}

func removeActive(p *plan, uid types.UID) {
	kept := p.status.Active[:0:0]
	for _, ref := range p.status.Active {
		if ref.UID != uid {
			kept = append(kept, ref)
		}
	}
	p.status.Active = kept
}

// noteSuccess advances lastSuccessfulTime to j's completion.
func noteSuccess(p *plan, j *batchv1.Job) {
	done := j.Status.CompletionTime
	if done == nil {
		return
	}
	if last := p.status.LastSuccessfulTime; last == nil || done.After(last.Time) {
		p.status.LastSuccessfulTime = &metav1.Time{Time: done.Time}
	}
}
