package job

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
)

// defaultBackoffLimit applies when the API server did not default the field.
const defaultBackoffLimit = 6

// input is everything one sync decides from.
type input struct {
	// job is a private copy whose status the decision rewrites.
	job *batchv1.Job
	// pods are the Job's pods from the informer cache: read-only.
	pods []*corev1.Pod
	now  time.Time
	// satisfied: no pod creation or deletion this process made is still
	// missing from the cache, so counting active pods is safe.
	satisfied bool
	// removed are pods whose tracking finalizer this process removed, which
	// the cache may still show; they count as already accounted for.
	removed sets.Set[types.UID]
	// backoff is the stored failure back-off record.
	backoff backoffRecord
}

// state is the assessment of a Job before anything is done: its pods
// sorted into kinds, its counters including pods not yet in status, and
// whether it has met a success or failure criterion.
type state struct {
	input
	active                []*corev1.Pod
	ready, terminating    int32
	uncountedSucceeded    sets.Set[types.UID]
	uncountedFailed       sets.Set[types.UID]
	succeeded, failed     int32
	prevSucceededIdx      intervals
	succeededIdx          intervals
	failedIdx             intervals
	waiting               map[int]*corev1.Pod
	nextBackoff           backoffRecord
	finished              *batchv1.JobCondition
	deadlineIn            *time.Duration
	newSucceeded, newFail []*corev1.Pod
}

// assess sorts the pods and counts, sets startTime on a Job's first
// (unsuspended) sync, and decides whether the Job has met a criterion that
// ends it.
func assess(in input) *state {
	s := &state{input: in}
	st := &s.job.Status
	if st.UncountedTerminatedPods == nil {
		st.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
	}
	s.uncountedSucceeded = sets.New(st.UncountedTerminatedPods.Succeeded...)
	s.uncountedFailed = sets.New(st.UncountedTerminatedPods.Failed...)
	for _, p := range s.pods {
		switch {
		case isActive(p):
			s.active = append(s.active, p)
			if isReady(p) {
				s.ready++
			}
		case isTerminating(p):
			s.terminating++
		}
	}
	s.findNewlyFinished()
	s.succeeded = st.Succeeded + int32(len(s.newSucceeded)+s.uncountedSucceeded.Len())
	s.failed = st.Failed + s.countedFailures(s.newFail) + int32(s.uncountedFailed.Len())
	if st.StartTime == nil && !isSuspended(s.job) {
		t := metav1.NewTime(s.now)
		st.StartTime = &t
	}
	s.nextBackoff = s.backoff.next(s.newSucceeded, s.newFail)
	s.decideFinish()
	return s
}

// tracked: the pod still holds its finalizer, so its end is not yet (or
// only in uncountedTerminatedPods) accounted for.
func (s *state) tracked(p *corev1.Pod) bool {
	return hasTrackingFinalizer(p) && !s.removed.Has(p.UID)
}

// findNewlyFinished lists tracked pods that finished and are not yet even
// in uncountedTerminatedPods.
func (s *state) findNewlyFinished() {
	for _, p := range s.pods {
		if !s.tracked(p) || (isIndexed(s.job) && !validIndex(p, completions(s.job))) {
			continue
		}
		switch {
		case p.Status.Phase == corev1.PodSucceeded && !s.uncountedSucceeded.Has(p.UID):
			s.newSucceeded = append(s.newSucceeded, p)
		case countsAsFailed(p, s.job) && !s.uncountedFailed.Has(p.UID):
			s.newFail = append(s.newFail, p)
		}
	}
}

// countedFailures leaves out failures a podFailurePolicy Ignore rule excuses.
func (s *state) countedFailures(pods []*corev1.Pod) int32 {
	var n int32
	for _, p := range pods {
		if judgeFailure(s.job.Spec.PodFailurePolicy, p).counts {
			n++
		}
	}
	return n
}

// uncountedCandidates are tracked pods with a valid index.
func (s *state) uncountedCandidates() []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range s.pods {
		if s.tracked(p) && validIndex(p, completions(s.job)) {
			out = append(out, p)
		}
	}
	return out
}

// decideFinish checks, in Kubernetes' order: an earlier interim condition,
// a FailJob rule, backoffLimit, activeDeadlineSeconds, then for Indexed Jobs
// failed indexes and the success policy. Counting by completions comes
// later, once the pod actions are known (see decideStatus).
func (s *state) decideFinish() {
	job, conds := s.job, s.job.Status.Conditions
	if c := findCondition(conds, batchv1.JobSuccessCriteriaMet); c != nil && c.Status == corev1.ConditionTrue {
		s.finished = c.DeepCopy()
	} else if c := findCondition(conds, batchv1.JobFailureTarget); c != nil && c.Status == corev1.ConditionTrue {
		s.finished = terminalFor(c, s.now)
	} else if msg := failJobMessage(job, s.pods); msg != "" {
		s.finished = newCondition(batchv1.JobFailureTarget, batchv1.JobReasonPodFailurePolicy, msg, s.now)
	}
	if s.finished == nil {
		s.checkLimits()
	}
	if isIndexed(job) {
		s.assessIndexes()
	}
}

func (s *state) checkLimits() {
	job := s.job
	ads := job.Spec.ActiveDeadlineSeconds
	switch {
	case s.failed > backoffLimit(job) || restartsExceeded(job, s.pods):
		s.finished = newCondition(batchv1.JobFailureTarget, batchv1.JobReasonBackoffLimitExceeded, msgBackoffLimit, s.now)
	case ads == nil || isSuspended(job) || job.Status.StartTime == nil:
	case s.now.Sub(job.Status.StartTime.Time) >= time.Duration(*ads)*time.Second:
		s.finished = newCondition(batchv1.JobFailureTarget, batchv1.JobReasonDeadlineExceeded, msgDeadline, s.now)
	default:
		left := time.Duration(*ads)*time.Second - s.now.Sub(job.Status.StartTime.Time)
		s.deadlineIn = &left
	}
}

// restartsExceeded: with restartPolicy OnFailure, container restarts of
// running pods count toward backoffLimit.
func restartsExceeded(job *batchv1.Job, pods []*corev1.Pod) bool {
	if job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		return false
	}
	n, limit := restarts(pods), backoffLimit(job)
	if limit == 0 {
		return n > 0
	}
	return n >= limit
}

func (s *state) assessIndexes() {
	job, st, n := s.job, &s.job.Status, completions(s.job)
	s.prevSucceededIdx = parseIntervals(st.CompletedIndexes, int(n))
	var done, failed []*corev1.Pod
	for _, p := range s.pods {
		if !hasTrackingFinalizer(p) || !validIndex(p, n) {
			continue
		}
		if p.Status.Phase == corev1.PodSucceeded {
			done = append(done, p)
		} else if hasBackoffLimitPerIndex(job) && indexFailed(job, p) {
			failed = append(failed, p)
		}
	}
	s.succeededIdx = s.prevSucceededIdx.withIndexes(indexSet(done))
	s.succeeded = int32(s.succeededIdx.total())
	if hasBackoffLimitPerIndex(job) {
		s.failedIdx = parseIntervals(ptrString(st.FailedIndexes), int(n)).withIndexes(indexSet(failed))
		s.checkFailedIndexes()
		s.waiting = waitingIndexes(s)
	}
	if s.finished == nil {
		if msg, ok := successPolicyMet(job.Spec.SuccessPolicy, n, s.succeededIdx); ok {
			s.finished = newCondition(batchv1.JobSuccessCriteriaMet, batchv1.JobReasonSuccessPolicy, msg, s.now)
		}
	}
}

func (s *state) checkFailedIndexes() {
	if s.finished != nil {
		return
	}
	failed, limit := s.failedIdx.total(), s.job.Spec.MaxFailedIndexes
	switch {
	case limit != nil && failed > int(*limit):
		s.finished = newCondition(batchv1.JobFailureTarget, batchv1.JobReasonMaxFailedIndexesExceeded, msgMaxFailedIndexes, s.now)
	case failed > 0 && failed+s.succeededIdx.total() >= int(completions(s.job)):
		s.finished = newCondition(batchv1.JobFailureTarget, batchv1.JobReasonFailedIndexes, msgFailedIndexes, s.now)
	}
}

func backoffLimit(job *batchv1.Job) int32 {
	if job.Spec.BackoffLimit == nil {
		return defaultBackoffLimit
	}
	return *job.Spec.BackoffLimit
}

// completions is spec.completions, which Indexed Jobs always have; 0 when
// unset (only Indexed code paths call this).
func completions(job *batchv1.Job) int32 {
	if job.Spec.Completions == nil {
		return 0
	}
	return *job.Spec.Completions
}

func ptrString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
