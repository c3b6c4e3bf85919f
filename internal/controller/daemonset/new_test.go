package daemonset

import (
	"testing"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/ordo-dev/ordo/internal/testutil"
)

// A controller built on informers that can no longer take its index and
// handlers is an error, not a controller that silently never syncs.
func TestNewFailsOnStoppedInformers(t *testing.T) {
	client := fake.NewClientset()
	f := testutil.StoppedInformers(client, func(f informers.SharedInformerFactory) {
		f.Core().V1().Pods().Informer()
		f.Apps().V1().DaemonSets().Informer()
	})
	if _, err := New(Config{Client: client, Informers: f}); err == nil {
		t.Fatal("New succeeded on stopped informers")
	}
	if _, err := New(Config{Client: client}); err != nil {
		t.Fatalf("New on fresh informers: %v", err)
	}
}
