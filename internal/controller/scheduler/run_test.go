package scheduler

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"
)

// TestRun drives the whole loop: informers, queue, binding and the event
// stored through the core/v1 events API. The waits are for goroutines to
// run, not for a schedule: nothing here depends on the clock advancing.
func TestRun(t *testing.T) {
	client := fake.NewClientset(node("a"), pod("p"))
	ctl, err := New(Config{Client: client, Clock: clocktesting.NewFakeClock(anchor)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ctl.Run(ctx, 2); close(done) }()
	defer func() { cancel(); <-done }()

	err = wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		evs, err := client.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		if err != nil || len(evs.Items) == 0 {
			return false, err
		}
		e := evs.Items[0]
		if e.Reason != "Scheduled" || e.Type != corev1.EventTypeNormal || e.Source.Component != "default-scheduler" ||
			e.ReportingController != "default-scheduler" || e.InvolvedObject.Kind != "Pod" || e.InvolvedObject.Name != "p" ||
			e.Message != "Successfully assigned default/p to a" {
			t.Errorf("event = %+v", e)
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("no Scheduled event: %v", err)
	}
	f := fixture{client: client}
	if got := f.bindings(); len(got) != 1 || got[0] != "p→a" {
		t.Errorf("bindings = %v", got)
	}
}
