package warm

import (
	"context"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestCacheWatchesNothingUntilARunnerAsks: a node with no runner pod
// neither lists nor watches CronJobs or Leases; the first runner's loop
// starts the informers, and reads from the API until they have synced.
func TestCacheWatchesNothingUntilARunnerAsks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := fake.NewClientset(bigCronJob(), &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "tick-runner",
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "x"}}},
	})
	c := NewCache(ctx, client)
	time.Sleep(100 * time.Millisecond) // give a wrongly eager informer time to list
	if n := len(client.Actions()); n != 0 {
		t.Fatalf("before any runner: %d API requests (%v), want none", n, client.Actions())
	}
	ls := c.Listers()
	if ls.CronJobs == nil || ls.Leases == nil || ls.Synced == nil {
		t.Fatalf("Listers() = %+v, want listers and Synced", ls)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !ls.ready() {
		if time.Now().After(deadline) {
			t.Fatal("the informers never synced")
		}
		time.Sleep(10 * time.Millisecond)
	}
	var watched []string
	for _, a := range client.Actions() {
		if a.GetVerb() == "watch" {
			watched = append(watched, a.GetResource().Resource)
		}
	}
	if len(watched) != 2 {
		t.Errorf("watches %v, want cronjobs and leases once each", watched)
	}
	if again := c.Listers(); again.CronJobs != ls.CronJobs {
		t.Error("a second runner started a second set of informers")
	}
	cj, err := ls.CronJobs.CronJobs("default").Get("tick")
	if err != nil {
		t.Fatal(err)
	}
	if cj.Spec.Schedule != "* * * * *" || cj.Spec.Suspend == nil || cj.Annotations["ordo.dev/runner"] != "warm" {
		t.Errorf("the cached CronJob lost what the loop reads: %+v", cj)
	}
	if len(cj.ManagedFields) != 0 || len(cj.Spec.JobTemplate.Spec.Template.Spec.Containers) != 0 || cj.Status.LastScheduleTime != nil {
		t.Errorf("the cached CronJob keeps what no loop reads: managedFields %d, containers %d, status %+v",
			len(cj.ManagedFields), len(cj.Spec.JobTemplate.Spec.Template.Spec.Containers), cj.Status)
	}
	lease, err := ls.Leases.Leases("default").Get("tick-runner")
	if err != nil || len(lease.ManagedFields) != 0 {
		t.Errorf("cached Lease %+v (err %v): want it without managedFields", lease, err)
	}
}

// TestNilCacheGivesNoListers: an agent that never set a cache reads from
// the API.
func TestNilCacheGivesNoListers(t *testing.T) {
	var c *Cache
	if ls := c.Listers(); ls.ready() {
		t.Errorf("nil cache: %+v is ready", ls)
	}
}

func bigCronJob() *batchv1.CronJob {
	suspend := false
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "tick",
			Annotations:   map[string]string{"ordo.dev/runner": "warm"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}},
		Spec: batchv1.CronJobSpec{
			Schedule: "* * * * *", Suspend: &suspend,
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox", Command: []string{"sh", "-c", "date"}}}},
			}}},
		},
		Status: batchv1.CronJobStatus{LastScheduleTime: &metav1.Time{Time: time.Unix(1e9, 0)}},
	}
}
