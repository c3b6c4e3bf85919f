package agent

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/ordo-dev/ordo/internal/controller/queue"
)

// TestStatusWritesCoalesceWhileAWriteIsInFlight: as the kubelet's status
// manager, the agent writes the latest status filed for a pod when a write
// starts. Pending is being written when Running and then Succeeded are
// filed: Running, superseded before its write could start, is never sent;
// Succeeded follows Pending. Before, every sync wrote its own status: three
// patches.
func TestStatusWritesCoalesceWhileAWriteIsInFlight(t *testing.T) {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: "u1", ResourceVersion: "5"}}
	client := fake.NewClientset()
	entered, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var phases []corev1.PodPhase
	client.PrependReactor("patch", "pods", func(act k8stesting.Action) (bool, runtime.Object, error) {
		var sent corev1.Pod
		if err := json.Unmarshal(act.(k8stesting.PatchAction).GetPatch(), &sent); err != nil {
			t.Error(err)
		}
		mu.Lock()
		phases = append(phases, sent.Status.Phase)
		n := len(phases)
		mu.Unlock()
		if n == 1 {
			entered <- struct{}{}
			<-release
		}
		out := p.DeepCopy()
		out.ResourceVersion = strconv.Itoa(5 + n)
		return true, out, nil
	})
	a := New(Config{Client: client, DataDir: t.TempDir(), NodeName: "n"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); queue.Run(ctx, a.statuses.queue, "agent status", 1, a.writeFiledStatus) }()
	defer func() { cancel(); <-done }()

	st := &pod{uid: "u1", containers: map[string]*container{}}
	key := "default/p"
	a.fileStatus(key, p, st, corev1.PodStatus{Phase: corev1.PodPending})
	<-entered
	a.fileStatus(key, p, st, corev1.PodStatus{Phase: corev1.PodRunning})
	a.fileStatus(key, p, st, corev1.PodStatus{Phase: corev1.PodSucceeded})
	close(release)

	written := func() corev1.PodPhase {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.reported == nil {
			return ""
		}
		return st.reported.Phase
	}
	for deadline := time.Now().Add(30 * time.Second); written() != corev1.PodSucceeded; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Succeeded never written; patches %v", phases)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(phases) != 2 || phases[0] != corev1.PodPending || phases[1] != corev1.PodSucceeded {
		t.Errorf("patches sent phases %v, want [Pending Succeeded]: the superseded Running must not be written", phases)
	}
}

// TestWriteStatusNowDropsAnOlderFiledStatus: the terminal status written at
// once before the pod's delete takes the place of one still queued, which
// must not land after it.
func TestWriteStatusNowDropsAnOlderFiledStatus(t *testing.T) {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: "u1", ResourceVersion: "5"}}
	client := fake.NewClientset()
	var phases []corev1.PodPhase
	client.PrependReactor("patch", "pods", func(act k8stesting.Action) (bool, runtime.Object, error) {
		var sent corev1.Pod
		_ = json.Unmarshal(act.(k8stesting.PatchAction).GetPatch(), &sent)
		phases = append(phases, sent.Status.Phase)
		out := p.DeepCopy()
		out.ResourceVersion = strconv.Itoa(5 + len(phases))
		return true, out, nil
	})
	a := New(Config{Client: client, DataDir: t.TempDir(), NodeName: "n"})
	st := &pod{uid: "u1", containers: map[string]*container{}}
	key := "default/p"
	a.fileStatus(key, p, st, corev1.PodStatus{Phase: corev1.PodRunning})
	if err := a.writeStatusNow(context.Background(), key, p, st, corev1.PodStatus{Phase: corev1.PodFailed}); err != nil {
		t.Fatal(err)
	}
	// The worker finds nothing left to write.
	if _, err := a.writeFiledStatus(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	if len(phases) != 1 || phases[0] != corev1.PodFailed {
		t.Errorf("patches sent phases %v, want [Failed] only", phases)
	}
}
