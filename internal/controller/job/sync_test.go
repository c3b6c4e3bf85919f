package job

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"

	shared "github.com/ordo-dev/ordo/internal/controller/expectations"
)

func TestSyncCreatesIndexedPods(t *testing.T) {
	f := newFixture(t, testJob(indexed, notStarted, parallelism(2), withCompletions(5), func(j *batchv1.Job) {
		j.Spec.Template.Spec.Subdomain = "workers"
		j.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "init"}}
	}))
	f.sync(t)
	pods := f.created()
	if len(pods) != 2 {
		t.Fatalf("created %d pods: %v", len(pods), f.actions())
	}
	for i, p := range pods {
		ix := fmt.Sprint(i)
		ref := metav1.GetControllerOf(p)
		if ref == nil || ref.UID != "job-uid" || ref.Kind != "Job" || ref.APIVersion != "batch/v1" || !*ref.BlockOwnerDeletion {
			t.Errorf("pod %d controller %+v", i, ref)
		}
		if !slices.Equal(p.Finalizers, []string{batchv1.JobTrackingFinalizer}) || p.GenerateName != "j-"+ix+"-" ||
			p.Annotations[batchv1.JobCompletionIndexAnnotation] != ix || p.Labels[batchv1.JobCompletionIndexAnnotation] != ix ||
			p.Labels["batch.kubernetes.io/controller-uid"] != "job-uid" || p.Spec.Hostname != "j-"+ix || p.Spec.Subdomain != "workers" {
			t.Errorf("pod %d: %+v", i, p.ObjectMeta)
		}
		for _, c := range append(p.Spec.InitContainers, p.Spec.Containers...) {
			if len(c.Env) != 1 || c.Env[0].Name != "JOB_COMPLETION_INDEX" ||
				c.Env[0].ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
				t.Errorf("pod %d container %s env %+v", i, c.Name, c.Env)
			}
		}
	}
	job := f.writtenStatus(t)
	if job == nil || job.Status.Active != 2 || job.Status.StartTime == nil {
		t.Fatalf("status %+v", job)
	}
	evs := f.events()
	if len(evs) != 2 || !strings.HasPrefix(evs[0], "Normal SuccessfulCreate Created pod: j-") {
		t.Errorf("events %q", evs)
	}
}

// A stale cache that does not show the pods just created must not lead
// to creating them again.
func TestSyncDoesNotCreateTwiceWithAStaleCache(t *testing.T) {
	f := newFixture(t, testJob(parallelism(3), withCompletions(3)))
	f.sync(t)
	first := f.created()
	if len(first) != 3 || first[0].GenerateName != "j-" {
		t.Fatalf("first sync created %d: %v", len(first), f.actions())
	}
	f.client.ClearActions()
	after := f.sync(t) // the cache still shows no pod
	if n := len(f.created()); n != 0 {
		t.Fatalf("created %d pods again", n)
	}
	if after == nil || *after != shared.TTL {
		t.Errorf("requeue %v, want the expectations' expiry", after)
	}
	for _, p := range first[:2] { // the informer shows two of them
		f.cache(t, p)
		f.ctl.onPodAdd(p)
	}
	f.sync(t)
	if n := len(f.created()); n != 0 {
		t.Fatalf("created %d while one creation is still unseen", n)
	}
	f.ctl.onPodAdd(first[2]) // seen, then deleted before this sync
	f.sync(t)
	if n := len(f.created()); n != 1 {
		t.Fatalf("created %d, want the one replacement", n)
	}
}

// The status write that records a finished pod comes before the patch
// that removes its finalizer.
func TestSyncWritesStatusBeforeRemovingFinalizers(t *testing.T) {
	f := newFixture(t, testJob(parallelism(1), withCompletions(2)), testPod("a", succeeded))
	f.sync(t)
	if got := f.actions(); !slices.Equal(got, []string{"create pods j-", "update jobs/status j", "patch pods a"}) {
		t.Fatalf("actions %q", got)
	}
	patch := f.client.Actions()[2].(clienttesting.PatchAction)
	if string(patch.GetPatch()) != `{"metadata":{"$deleteFromPrimitiveList/finalizers":["batch.kubernetes.io/job-tracking"],"uid":"uid-a"}}` {
		t.Errorf("patch %s", patch.GetPatch())
	}
	job := f.writtenStatus(t)
	if u := job.Status.UncountedTerminatedPods; len(u.Succeeded) != 1 || job.Status.Succeeded != 0 {
		t.Errorf("status %+v", job.Status)
	}
	// The next sync counts it, although the cache still shows the finalizer.
	f.cache(t, job)
	f.client.ClearActions()
	f.sync(t)
	if job := f.writtenStatus(t); job == nil || job.Status.Succeeded != 1 || len(job.Status.UncountedTerminatedPods.Succeeded) != 0 {
		t.Errorf("second status %+v", job)
	}
}

// A failed status write removes no finalizer: the pod stays tracked.
func TestSyncFailedStatusWriteKeepsFinalizers(t *testing.T) {
	f := newFixture(t, testJob(parallelism(1), withCompletions(2)), testPod("a", succeeded), testPod("b"))
	f.client.PrependReactor("update", "jobs", func(a clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, fmt.Errorf("etcd is unhappy")
	})
	if _, err := f.ctl.sync(context.Background(), "default/j"); err == nil {
		t.Fatal("sync succeeded")
	}
	for _, a := range f.actions() {
		if strings.HasPrefix(a, "patch") {
			t.Fatalf("%s after a failed status write", a)
		}
	}
}

func TestSyncFailedJobEvents(t *testing.T) {
	job := testJob(backoffLimitOf(0), withCondition(batchv1.JobFailureTarget, "BackoffLimitExceeded"))
	job.Status.Conditions[0].Message = "Job has reached the specified backoff limit"
	f := newFixture(t, job, testPod("f", failed, untracked))
	f.sync(t)
	got := f.writtenStatus(t)
	if c := cond(got.Status, batchv1.JobFailed); c == nil || c.Reason != "BackoffLimitExceeded" {
		t.Fatalf("status %+v", got.Status)
	}
	if evs := f.events(); !slices.Equal(evs, []string{"Warning BackoffLimitExceeded Job has reached the specified backoff limit"}) {
		t.Errorf("events %q", evs)
	}
}

func TestSyncSuspendDeletesWithoutCounting(t *testing.T) {
	f := newFixture(t, testJob(suspended, parallelism(1), withCompletions(2)), testPod("a"))
	f.sync(t)
	if got := f.actions(); !slices.Equal(got, []string{"patch pods a", "delete pods a", "update jobs/status j"}) {
		t.Fatalf("actions %q: the finalizer goes first, the pod is not counted", got)
	}
	if evs := f.events(); !slices.Equal(evs, []string{"Normal SuccessfulDelete Deleted pod: a", "Normal Suspended Job suspended"}) {
		t.Errorf("events %q", evs)
	}
}

func TestSyncAdoptsAndReleases(t *testing.T) {
	orphan := testPod("orphan", func(p *corev1.Pod) { p.OwnerReferences = nil; p.Finalizers = nil })
	stray := testPod("stray", func(p *corev1.Pod) { p.Labels = map[string]string{"other": "x"} })
	f := newFixture(t, testJob(parallelism(2), withCompletions(2)), orphan, stray)
	f.sync(t)
	got := f.actions()
	if len(got) < 3 || got[0] != "patch pods stray" || got[1] != "get jobs j" || got[2] != "patch pods orphan" {
		t.Fatalf("actions %q", got)
	}
	release := string(f.client.Actions()[0].(clienttesting.PatchAction).GetPatch())
	adopt := string(f.client.Actions()[2].(clienttesting.PatchAction).GetPatch())
	if !strings.Contains(release, `"$patch":"delete","uid":"job-uid"`) || !strings.Contains(release, `"$deleteFromPrimitiveList/finalizers"`) {
		t.Errorf("release patch %s", release)
	}
	if !strings.Contains(adopt, `"controller":true`) || !strings.Contains(adopt, `"finalizers":["batch.kubernetes.io/job-tracking"]`) ||
		!strings.Contains(adopt, `"uid":"uid-orphan"`) {
		t.Errorf("adopt patch %s", adopt)
	}
	// The adopted pod runs: one more pod, not two.
	if n := len(f.created()); n != 1 {
		t.Errorf("created %d pods", n)
	}
}

func TestSyncOrphanLetsGo(t *testing.T) {
	done := testJob(withCondition(batchv1.JobComplete, "CompletionsReached"))
	other := testPod("other", func(p *corev1.Pod) {
		p.OwnerReferences[0].Kind = "CronJob"
		p.OwnerReferences[0].APIVersion = "batch/v1"
	})
	f := newFixture(t, done, testPod("leftover", succeeded), testPod("gone", func(p *corev1.Pod) { p.OwnerReferences[0].UID = "old" }), other)
	for _, name := range []string{"leftover", "gone", "other"} {
		if _, err := f.ctl.syncOrphan(context.Background(), "default/"+name); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.actions(); !slices.Equal(got, []string{"patch pods leftover", "patch pods gone"}) {
		t.Errorf("actions %q: only pods of finished or missing Jobs lose the finalizer", got)
	}
}
