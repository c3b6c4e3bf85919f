package server

import (
	"context"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// Controllers that cannot be built (an event handler refused) do not leave
// this server holding the lease while running none: the lease is released
// so another server may lead, and this one does not campaign again at once.
func TestLeaderReleasesTheLeaseWhenControllersFailToStart(t *testing.T) {
	client := fake.NewClientset()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{}, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		runAsLeader(ctx, client, "me", func(context.Context) error {
			started <- struct{}{}
			return errors.New("replicaset controller: registering an event handler: stopped")
		})
	}()
	defer func() { cancel(); <-done }()
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("never led")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		lease, err := client.CoordinationV1().Leases(controllerLeaseNamespace).Get(ctx, controllerLeaseName, metav1.GetOptions{})
		if err == nil && lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("lease still held after the controllers failed: %+v, %v", lease, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case <-started:
		t.Error("campaigned again right after failing")
	case <-time.After(time.Second):
	}
}
