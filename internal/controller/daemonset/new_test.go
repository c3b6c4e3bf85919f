package daemonset

import (
	"context"
	"testing"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// A controller built on informers that can no longer take its index and
// handlers is an error, not a controller that silently never syncs.
func TestNewFailsOnStoppedInformers(t *testing.T) {
	client := fake.NewClientset()
	f := informers.NewSharedInformerFactory(client, 0)
	f.Core().V1().Pods().Informer()
	f.Apps().V1().DaemonSets().Informer()
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	cancel()
	f.Shutdown()
	if _, err := New(Config{Client: client, Informers: f}); err == nil {
		t.Fatal("New succeeded on stopped informers")
	}
	if _, err := New(Config{Client: client}); err != nil {
		t.Fatalf("New on fresh informers: %v", err)
	}
}
