package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// seedJob is seed 004's Job, with its minute-long sleep cut to one second.
func seedJob(t *testing.T) string {
	t.Helper()
	for _, b := range loadSeedBlocks(t) {
		if strings.HasPrefix(b.File, "004_") && strings.Contains(b.YAML, "name: my-busybox-job") {
			const slow = `args: ['echo "Welcome to k8s";sleep 60; echo "Next to Meet you"']`
			if !strings.Contains(b.YAML, slow) {
				t.Fatalf("seed 004's Job changed; update the test:\n%s", b.YAML)
			}
			return strings.Replace(b.YAML, slow, `args: ['echo hi; sleep 1']`, 1)
		}
	}
	t.Fatal("seed 004 has no my-busybox-job")
	return ""
}

// activeWatcher follows a Job's pods from before the first is created and
// remembers the most that were active (neither finished nor deleted) at once.
type activeWatcher struct {
	mu      sync.Mutex
	active  map[string]bool
	max     int
	created map[string]bool
}

func watchActive(t *testing.T, cs kubernetes.Interface, job string) *activeWatcher {
	t.Helper()
	w, err := cs.CoreV1().Pods("default").Watch(context.Background(), metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + job})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	a := &activeWatcher{active: map[string]bool{}, created: map[string]bool{}}
	go func() {
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			a.mu.Lock()
			a.created[p.Name] = true
			a.active[p.Name] = ev.Type != watch.Deleted && p.DeletionTimestamp == nil &&
				p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
			n := 0
			for _, on := range a.active {
				if on {
					n++
				}
			}
			a.max = max(a.max, n)
			a.mu.Unlock()
		}
	}()
	return a
}

func (a *activeWatcher) stats() (maxActive, created int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.max, len(a.created)
}

// waitJob waits (generously: real pods run) until the Job has a True
// condition of type want, and returns it.
// sleepingJob is a Job whose pods sleep for seconds; spec holds more
// lines of the Job's spec, indented by two spaces after the first.
func sleepingJob(name, seconds, spec string) string {
	return fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata: {name: %s}
spec:
  %s
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: [sleep, '%s']
`, name, spec, seconds)
}

// waitJobReady waits until n of the Job's pods are ready.
func waitJobReady(t *testing.T, cs kubernetes.Interface, name string, n int32) {
	t.Helper()
	waitFor(t, func() bool {
		j, err := cs.BatchV1().Jobs("default").Get(context.Background(), name, metav1.GetOptions{})
		return err == nil && j.Status.Ready != nil && *j.Status.Ready == n
	}, fmt.Sprintf("%d of job %s's pods ready", n, name))
}

func waitJob(t *testing.T, cs kubernetes.Interface, name string, want batchv1.JobConditionType) *batchv1.Job {
	t.Helper()
	var job *batchv1.Job
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		j, err := cs.BatchV1().Jobs("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		job = j
		if c := jobCondition(j, want); c != nil && c.Status == corev1.ConditionTrue {
			return j
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("job %s never got condition %s; status %+v", name, want, job.Status)
	return nil
}

func jobCondition(j *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == t {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

// jobEvents lists "Type Reason Message" of the Job's events.
func jobEvents(t *testing.T, cs kubernetes.Interface, name string) []string {
	t.Helper()
	evs, err := cs.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{
		FieldSelector: "involvedObject.kind=Job,involvedObject.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs.Items {
		if e.Source.Component != "job-controller" {
			t.Errorf("event %s from %q, want job-controller", e.Reason, e.Source.Component)
		}
		for i := int32(0); i < max(e.Count, 1); i++ {
			out = append(out, e.Type+" "+e.Reason+" "+e.Message)
		}
	}
	return out
}

func countPrefix(list []string, prefix string) int {
	n := 0
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

func jobPods(t *testing.T, cs kubernetes.Interface, job string) []corev1.Pod {
	t.Helper()
	pods, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + job})
	if err != nil {
		t.Fatal(err)
	}
	return pods.Items
}

func TestJobSeedParallelismNeverExceeded(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	manifest := seedJob(t)
	w := watchActive(t, cs, "my-busybox-job")
	c.RunIn(manifest, "apply", "-f", "-")

	job := waitJob(t, cs, "my-busybox-job", batchv1.JobComplete)
	maxActive, created := w.stats()
	if maxActive > 3 || maxActive < 2 {
		t.Errorf("at most %d pods were active at once, want 3 (parallelism) and never more", maxActive)
	}
	if created != 4 {
		t.Errorf("%d pods were created, want 4 (completions, none failed)", created)
	}
	st := job.Status
	if st.Succeeded != 4 || st.Failed != 0 || st.Active != 0 || st.StartTime == nil || st.CompletionTime == nil ||
		st.Ready == nil || *st.Ready != 0 || st.Terminating == nil || *st.Terminating != 0 {
		t.Errorf("status %+v", st)
	}
	if u := st.UncountedTerminatedPods; u != nil && len(u.Succeeded)+len(u.Failed) > 0 {
		t.Errorf("uncounted pods left: %+v", u)
	}
	for _, typ := range []batchv1.JobConditionType{batchv1.JobSuccessCriteriaMet, batchv1.JobComplete} {
		cond := jobCondition(job, typ)
		if cond == nil || cond.Reason != "CompletionsReached" || cond.Message != "Reached expected number of succeeded pods" {
			t.Errorf("%s condition = %+v", typ, cond)
		}
	}
	for _, p := range jobPods(t, cs, "my-busybox-job") {
		if len(p.Finalizers) != 0 || p.Status.Phase != corev1.PodSucceeded || !strings.HasPrefix(p.Name, "my-busybox-job-") {
			t.Errorf("pod %s: phase %s, finalizers %v", p.Name, p.Status.Phase, p.Finalizers)
		}
		if ref := metav1.GetControllerOf(&p); ref == nil || ref.UID != job.UID || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Errorf("pod %s: controller %+v", p.Name, ref)
		}
	}
	if out := c.Run("logs", "job/my-busybox-job"); strings.TrimSpace(out) != "hi" {
		t.Errorf("kubectl logs job/my-busybox-job = %q", out)
	}

	out := c.Run("get", "jobs")
	assertColumns(t, firstLine(out), []string{"NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"})
	row := strings.Fields(strings.Split(out, "\n")[1])
	if len(row) != 5 || row[0] != "my-busybox-job" || row[1] != "Complete" || row[2] != "4/4" {
		t.Errorf("kubectl get jobs row %q", row)
	}
	waitFor(t, func() bool {
		return countPrefix(jobEvents(t, cs, "my-busybox-job"), "Normal Completed Job completed") == 1
	}, "Completed event")
	evs := jobEvents(t, cs, "my-busybox-job")
	if n := countPrefix(evs, "Normal SuccessfulCreate Created pod: my-busybox-job-"); n != 4 {
		t.Errorf("%d SuccessfulCreate events, want 4: %q", n, evs)
	}
}

func TestJobIndexedPodsKnowTheirIndex(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(`apiVersion: batch/v1
kind: Job
metadata: {name: idx}
spec:
  completionMode: Indexed
  completions: 3
  parallelism: 3
  template:
    spec:
      restartPolicy: Never
      subdomain: workers
      containers:
      - name: c
        image: busybox
        command: [sh, -c, 'echo $JOB_COMPLETION_INDEX $(hostname)']
`, "apply", "-f", "-")
	job := waitJob(t, cs, "idx", batchv1.JobComplete)
	if job.Status.CompletedIndexes != "0-2" || job.Status.Succeeded != 3 {
		t.Errorf("completedIndexes %q, succeeded %d", job.Status.CompletedIndexes, job.Status.Succeeded)
	}
	pods := jobPods(t, cs, "idx")
	if len(pods) != 3 {
		t.Fatalf("%d pods, want 3", len(pods))
	}
	seen := map[string]bool{}
	for _, p := range pods {
		ix := p.Annotations["batch.kubernetes.io/job-completion-index"]
		seen[ix] = true
		if p.Labels["batch.kubernetes.io/job-completion-index"] != ix || !strings.HasPrefix(p.Name, "idx-"+ix+"-") ||
			p.Spec.Hostname != "idx-"+ix || p.Spec.Subdomain != "workers" {
			t.Errorf("pod %s: index %q, labels %v, hostname %q, subdomain %q", p.Name, ix, p.Labels, p.Spec.Hostname, p.Spec.Subdomain)
		}
		if got := strings.TrimSpace(c.Run("logs", p.Name)); got != fmt.Sprintf("%s idx-%s", ix, ix) {
			t.Errorf("pod %s printed %q, want its index and hostname idx-%s", p.Name, got, ix)
		}
	}
	if len(seen) != 3 || !seen["0"] || !seen["1"] || !seen["2"] {
		t.Errorf("indexes %v, want 0, 1, 2", seen)
	}
}

func TestJobFailsWhenBackoffLimitExceeded(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(`apiVersion: batch/v1
kind: Job
metadata: {name: fails}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        command: [sh, -c, 'exit 3']
`, "apply", "-f", "-")
	job := waitJob(t, cs, "fails", batchv1.JobFailed)
	for _, typ := range []batchv1.JobConditionType{batchv1.JobFailureTarget, batchv1.JobFailed} {
		cond := jobCondition(job, typ)
		if cond == nil || cond.Reason != "BackoffLimitExceeded" || cond.Message != "Job has reached the specified backoff limit" {
			t.Errorf("%s condition = %+v", typ, cond)
		}
	}
	if job.Status.Failed != 2 || job.Status.Succeeded != 0 || job.Status.Active != 0 || job.Status.CompletionTime != nil {
		t.Errorf("status %+v", job.Status)
	}
	pods := jobPods(t, cs, "fails")
	if len(pods) != 2 {
		t.Fatalf("%d pods, want 2 (the first and one retry)", len(pods))
	}
	first, second := finished(pods[0]), finished(pods[1])
	if second.Before(first) {
		first, second = second, first
	}
	if gap := second.Sub(first); gap < 9*time.Second {
		t.Errorf("the retry finished %v after the first failure, want the 10 s pod failure back-off first", gap)
	}
	evs := jobEvents(t, cs, "fails")
	if countPrefix(evs, "Warning BackoffLimitExceeded Job has reached the specified backoff limit") != 1 {
		t.Errorf("events %q", evs)
	}
	if row := strings.Fields(c.Run("get", "job", "fails", "--no-headers")); len(row) < 3 || row[1] != "Failed" || row[2] != "0/1" {
		t.Errorf("kubectl get job row %q", row)
	}
}

func finished(p corev1.Pod) time.Time {
	for _, cs := range p.Status.ContainerStatuses {
		if t := cs.State.Terminated; t != nil {
			return t.FinishedAt.Time
		}
	}
	return time.Time{}
}

func TestJobDeletedAfterTTL(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(`apiVersion: batch/v1
kind: Job
metadata: {name: short-lived}
spec:
  ttlSecondsAfterFinished: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: c
        image: busybox
        command: ['true']
`, "apply", "-f", "-")
	job := waitJob(t, cs, "short-lived", batchv1.JobComplete)
	waitFor(t, func() bool {
		_, err := cs.BatchV1().Jobs("default").Get(context.Background(), "short-lived", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	}, "the finished Job is deleted after its TTL")
	if gone := time.Now(); gone.Before(job.Status.CompletionTime.Add(time.Second)) {
		t.Errorf("deleted at %v, completed at %v: before the 2 s TTL", gone, job.Status.CompletionTime)
	}
	waitFor(t, func() bool { return len(jobPods(t, cs, "short-lived")) == 0 }, "its pods follow (background propagation)")
}

func TestJobSuspendDeletesPodsAndResumeRestarts(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(sleepingJob("pausable", "2", "completions: 2\n  parallelism: 2"), "apply", "-f", "-")
	waitJobReady(t, cs, "pausable", 2)
	c.Run("patch", "job", "pausable", "--type=merge", "-p", `{"spec":{"suspend":true}}`)
	job := waitJob(t, cs, "pausable", batchv1.JobSuspended)
	if s := jobCondition(job, batchv1.JobSuspended); s.Reason != "JobSuspended" || s.Message != "Job suspended" {
		t.Errorf("Suspended condition %+v", s)
	}
	waitFor(t, func() bool { return len(jobPods(t, cs, "pausable")) == 0 }, "the suspended Job's pods are gone")
	if row := strings.Fields(c.Run("get", "job", "pausable", "--no-headers")); len(row) < 3 || row[1] != "Suspended" || row[2] != "0/2" {
		t.Errorf("kubectl get job row %q", row)
	}
	c.Run("patch", "job", "pausable", "--type=merge", "-p", `{"spec":{"suspend":false}}`)
	job = waitJob(t, cs, "pausable", batchv1.JobComplete)
	if s := jobCondition(job, batchv1.JobSuspended); s == nil || s.Status != corev1.ConditionFalse || s.Reason != "JobResumed" {
		t.Errorf("Suspended condition after resume %+v", s)
	}
	if job.Status.Succeeded != 2 || job.Status.Failed != 0 {
		t.Errorf("status %+v: pods deleted by suspension are not failures", job.Status)
	}
	evs := jobEvents(t, cs, "pausable")
	for prefix, want := range map[string]int{
		"Normal SuccessfulCreate Created pod: pausable-": 4, "Normal SuccessfulDelete Deleted pod: pausable-": 2,
		"Normal Suspended Job suspended": 1, "Normal Resumed Job resumed": 1,
	} {
		if n := countPrefix(evs, prefix); n != want {
			t.Errorf("%d events %q, want %d: %q", n, prefix, want, evs)
		}
	}
}

// A pod deleted by someone else is reported Failed by the agent before its
// object goes, as the kubelet does; with podReplacementPolicy Failed the Job
// waits for exactly that before it starts a replacement, and counts it.
func TestJobReplacesADeletedPodOnlyOnceItFailed(t *testing.T) {
	t.Parallel()
	c, cs, _ := startWithAgent(t)
	c.RunIn(sleepingJob("replaced", "3600", "completions: 1\n  backoffLimit: 3\n  podReplacementPolicy: Failed"), "apply", "-f", "-")
	waitJobReady(t, cs, "replaced", 1)
	first := jobPods(t, cs, "replaced")[0].Name
	c.Run("delete", "pod", first, "--wait=false")
	waitFor(t, func() bool {
		j, err := cs.BatchV1().Jobs("default").Get(context.Background(), "replaced", metav1.GetOptions{})
		return err == nil && j.Status.Failed == 1 && j.Status.Active == 1
	}, "the deleted pod counted failed and a replacement active")
	pods := jobPods(t, cs, "replaced")
	for _, p := range pods {
		if p.Name == first {
			t.Errorf("the deleted pod %s is still there: %s", first, p.Status.Phase)
		}
	}
	if len(pods) != 1 {
		t.Errorf("%d pods, want exactly one replacement", len(pods))
	}
}
