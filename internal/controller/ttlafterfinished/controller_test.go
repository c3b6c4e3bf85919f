package ttlafterfinished

import (
	"context"
	"errors"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
)

func newController(t *testing.T, cached, live *batchv1.Job, now time.Time) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewClientset(live)
	ctl, err := New(Config{Client: client, Clock: clocktesting.NewFakeClock(now)})
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.jobs.GetIndexer().Add(cached); err != nil {
		t.Fatal(err)
	}
	client.ClearActions()
	return ctl, client
}

func verbs(client *fake.Clientset) []string {
	var out []string
	for _, a := range client.Actions() {
		out = append(out, a.GetVerb())
	}
	return out
}

func TestSyncDeletesExpiredJobWithPreconditions(t *testing.T) {
	job := testJob(ttl(10), finishedAs(batchv1.JobComplete, anchor), completedAt(anchor))
	ctl, client := newController(t, job, job, anchor.Add(10*time.Second))
	after, err := ctl.sync(context.Background(), "default/j")
	if err != nil || after != nil {
		t.Fatalf("sync = %v, %v", after, err)
	}
	acts := client.Actions()
	if len(acts) != 2 || acts[0].GetVerb() != "get" || acts[1].GetVerb() != "delete" {
		t.Fatalf("actions %v: a fresh read, then the delete", verbs(client))
	}
	opts := acts[1].(clienttesting.DeleteAction).GetDeleteOptions()
	if opts.PropagationPolicy == nil || *opts.PropagationPolicy != metav1.DeletePropagationForeground ||
		opts.Preconditions == nil || *opts.Preconditions.UID != "uid-1" || *opts.Preconditions.ResourceVersion != "7" {
		t.Errorf("delete options %+v", opts)
	}
}

func TestSyncRequeuesAtTheExactInstant(t *testing.T) {
	job := testJob(ttl(100), finishedAs(batchv1.JobComplete, anchor), completedAt(anchor))
	ctl, client := newController(t, job, job, anchor.Add(30*time.Second+250*time.Millisecond))
	after, err := ctl.sync(context.Background(), "default/j")
	if err != nil || after == nil || *after != 69*time.Second+750*time.Millisecond {
		t.Fatalf("sync = %v, %v", after, err)
	}
	if len(client.Actions()) != 0 {
		t.Errorf("actions %v before the TTL passed", verbs(client))
	}
}

// The cache says expired, but the Job's TTL was raised meanwhile: the fresh
// read wins and nothing is deleted.
func TestSyncRechecksTheFreshJob(t *testing.T) {
	cached := testJob(ttl(10), finishedAs(batchv1.JobComplete, anchor), completedAt(anchor))
	live := testJob(ttl(3600), finishedAs(batchv1.JobComplete, anchor), completedAt(anchor))
	ctl, client := newController(t, cached, live, anchor.Add(time.Minute))
	after, err := ctl.sync(context.Background(), "default/j")
	if err != nil || after == nil || *after != 59*time.Minute {
		t.Fatalf("sync = %v, %v", after, err)
	}
	if got := verbs(client); len(got) != 1 || got[0] != "get" {
		t.Errorf("actions %v", got)
	}
}

func TestSyncGoneOrConflicting(t *testing.T) {
	job := testJob(ttl(0), finishedAs(batchv1.JobFailed, anchor))
	ctl, client := newController(t, job, job, anchor)
	client.PrependReactor("delete", "jobs", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, errConflict
	})
	if _, err := ctl.sync(context.Background(), "default/j"); err == nil {
		t.Error("a failed precondition must be retried")
	}
	if err := client.BatchV1().Jobs("default").Delete(context.Background(), "j", metav1.DeleteOptions{}); err == nil {
		t.Fatal("reactor not in place")
	}
	client.PrependReactor("get", "jobs", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, errNotFound
	})
	if after, err := ctl.sync(context.Background(), "default/j"); err != nil || after != nil {
		t.Errorf("a Job deleted meanwhile: %v, %v", after, err)
	}
}

var (
	errConflict = apierrors.NewConflict(schema.GroupResource{Group: "batch", Resource: "jobs"}, "j", errors.New("precondition failed"))
	errNotFound = apierrors.NewNotFound(schema.GroupResource{Group: "batch", Resource: "jobs"}, "j")
)
