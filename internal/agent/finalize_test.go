package agent

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// TestFinalizedPodIsNotWrittenAgainUntilItsObjectIsGone: once the agent
// has written a deleted pod's terminal status and deleted its object, a
// finalizer (a Job's) keeps the object, and updates to it (the finalizer's
// removal) sync it again. Those syncs write nothing: before, each rebuilt a
// record from the status and sent a status patch and a delete, which got
// 404 once the object was gone. When the informer reports the object
// gone, the mark goes too.
func TestFinalizedPodIsNotWrittenAgainUntilItsObjectIsGone(t *testing.T) {
	deleted := metav1.NewTime(t0)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "job-x", Namespace: "default", UID: "u1", ResourceVersion: "7",
			DeletionTimestamp: &deleted, Finalizers: []string{"batch.kubernetes.io/job-tracking"}},
		Spec: corev1.PodSpec{NodeName: "n", RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "c"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "c",
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}}}},
	}
	client := fake.NewClientset(p.DeepCopy())
	a := New(Config{Client: client, DataDir: t.TempDir(), NodeName: "n"})
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	if err := indexer.Add(p); err != nil {
		t.Fatal(err)
	}
	a.pods = corelisters.NewPodLister(indexer)
	ctx := context.Background()

	writes := func() (n int) {
		for _, act := range client.Actions() {
			if v := act.GetVerb(); v == "patch" || v == "delete" || v == "update" {
				n++
			}
		}
		return n
	}
	if _, err := a.sync(ctx, "default/job-x"); err != nil {
		t.Fatal(err)
	}
	first := writes()
	if first == 0 {
		t.Fatal("the first sync of a deleted pod with nothing running neither wrote its status nor deleted it")
	}
	// The finalizer holds the object: the informer still has it.
	if _, err := a.sync(ctx, "default/job-x"); err != nil {
		t.Fatal(err)
	}
	if again := writes() - first; again != 0 {
		t.Errorf("a sync of the finalized pod made %d more writes (%v), want none", again, client.Actions()[first:])
	}
	if !a.wasFinalized("u1") {
		t.Fatal("the finalized pod is not remembered")
	}
	// The object goes: the mark goes with it.
	if err := indexer.Delete(p); err != nil {
		t.Fatal(err)
	}
	a.deleted(cache.DeletedFinalStateUnknown{Key: "default/job-x", Obj: p})
	if a.wasFinalized("u1") {
		t.Error("the mark of a pod whose object is gone is kept")
	}
}
