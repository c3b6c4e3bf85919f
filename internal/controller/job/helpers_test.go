package job

import (
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"
)

var anchor = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return anchor.Add(d) }

type (
	jobOpt func(*batchv1.Job)
	podOpt func(*corev1.Pod)
)

// testJob is a defaulted Job (as the API server stores it), started at the
// anchor unless an option says otherwise.
func testJob(opts ...jobOpt) *batchv1.Job {
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "j", UID: "job-uid", ResourceVersion: "1"},
		Spec: batchv1.JobSpec{
			Parallelism:          ptr.To[int32](1),
			Completions:          ptr.To[int32](1),
			BackoffLimit:         ptr.To[int32](6),
			CompletionMode:       ptr.To(batchv1.NonIndexedCompletion),
			Suspend:              ptr.To(false),
			PodReplacementPolicy: ptr.To(batchv1.TerminatingOrFailed),
			Selector:             &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "job-uid"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{
					"batch.kubernetes.io/controller-uid": "job-uid", "batch.kubernetes.io/job-name": "j"}},
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{{Name: "c", Image: "busybox"}},
				},
			},
		},
		Status: batchv1.JobStatus{StartTime: &metav1.Time{Time: anchor}},
	}
	for _, o := range opts {
		o(j)
	}
	return j
}

func parallelism(n int32) jobOpt { return func(j *batchv1.Job) { j.Spec.Parallelism = &n } }
func withCompletions(n int32) jobOpt {
	return func(j *batchv1.Job) { j.Spec.Completions = &n }
}
func noCompletions(j *batchv1.Job)  { j.Spec.Completions = nil }
func indexed(j *batchv1.Job)        { j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion) }
func suspended(j *batchv1.Job)      { j.Spec.Suspend = ptr.To(true) }
func notStarted(j *batchv1.Job)     { j.Status.StartTime = nil }
func backoffLimitOf(n int32) jobOpt { return func(j *batchv1.Job) { j.Spec.BackoffLimit = &n } }
func perIndex(n int32) jobOpt {
	return func(j *batchv1.Job) { j.Spec.BackoffLimitPerIndex = &n; j.Spec.BackoffLimit = ptr.To[int32](1 << 30) }
}
func deadline(s int64) jobOpt { return func(j *batchv1.Job) { j.Spec.ActiveDeadlineSeconds = &s } }
func replaceOnlyFailed(j *batchv1.Job) {
	j.Spec.PodReplacementPolicy = ptr.To(batchv1.Failed)
}
func status(f func(*batchv1.JobStatus)) jobOpt { return func(j *batchv1.Job) { f(&j.Status) } }
func withCondition(t batchv1.JobConditionType, reason string) jobOpt {
	return func(j *batchv1.Job) {
		j.Status.Conditions = append(j.Status.Conditions, *newCondition(t, reason, "msg", anchor))
	}
}

// testPod is a running pod of testJob, created at the anchor, holding the
// tracking finalizer.
func testPod(name string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "default", Name: name, UID: types.UID("uid-" + name), ResourceVersion: "1",
			CreationTimestamp: metav1.Time{Time: anchor},
			Labels:            map[string]string{"batch.kubernetes.io/controller-uid": "job-uid"},
			Finalizers:        []string{batchv1.JobTrackingFinalizer},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: "j", UID: "job-uid",
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}},
		},
		Spec:   corev1.PodSpec{NodeName: "n", Containers: []corev1.Container{{Name: "c"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func pending(p *corev1.Pod) { p.Status.Phase = corev1.PodPending; p.Spec.NodeName = "" }
func ready(p *corev1.Pod) {
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue})
}
func untracked(p *corev1.Pod) { p.Finalizers = nil }
func index(i int) podOpt {
	return func(p *corev1.Pod) {
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		p.Annotations[batchv1.JobCompletionIndexAnnotation] = strconv.Itoa(i)
	}
}
func annotated(k, v string) podOpt {
	return func(p *corev1.Pod) {
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		p.Annotations[k] = v
	}
}

// exited ends the pod's container with code at t: Succeeded for 0,
// Failed otherwise.
func exited(code int32, t time.Time) podOpt {
	return func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodSucceeded
		if code != 0 {
			p.Status.Phase = corev1.PodFailed
		}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", State: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{ExitCode: code, FinishedAt: metav1.Time{Time: t}}}}}
	}
}
func succeeded(p *corev1.Pod) { exited(0, anchor)(p) }
func failed(p *corev1.Pod)    { exited(1, anchor)(p) }
func deleting(p *corev1.Pod) {
	p.DeletionTimestamp = &metav1.Time{Time: anchor}
}
func restarted(n int32) podOpt {
	return func(p *corev1.Pod) {
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", RestartCount: n}}
	}
}
func podCondition(t corev1.PodConditionType) podOpt {
	return func(p *corev1.Pod) {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: t, Status: corev1.ConditionTrue})
	}
}

// outcome is one whole decision with every pod action succeeding.
type outcome struct {
	s       *state
	actions podActions
	plan    statusPlan
	status  batchv1.JobStatus
}

type decideOpt func(*input)

func now(t time.Time) decideOpt { return func(in *input) { in.now = t } }
func unsatisfied(in *input)     { in.satisfied = false }
func removedFinalizer(uids ...types.UID) decideOpt {
	return func(in *input) { in.removed.Insert(uids...) }
}
func withBackoff(r backoffRecord) decideOpt { return func(in *input) { in.backoff = r } }

func decideFor(job *batchv1.Job, pods []*corev1.Pod, opts ...decideOpt) outcome {
	in := input{job: job.DeepCopy(), pods: pods, now: anchor, satisfied: true, removed: sets.New[types.UID]()}
	for _, o := range opts {
		o(&in)
	}
	old := in.job.Status.DeepCopy()
	s := assess(in)
	a := s.decidePods()
	var r podResults
	r.created = int32(a.create + len(a.indexes))
	r.deleted = int32(len(a.deletes))
	for _, p := range a.deletes {
		if isReady(p) {
			r.deletedRdy++
		}
	}
	plan := s.decideStatus(a, r, old)
	return outcome{s: s, actions: a, plan: plan, status: s.job.Status}
}

func pods(ps ...*corev1.Pod) []*corev1.Pod { return ps }

func names(ps []*corev1.Pod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func cond(st batchv1.JobStatus, t batchv1.JobConditionType) *batchv1.JobCondition {
	return findCondition(st.Conditions, t)
}
