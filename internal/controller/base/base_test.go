package base

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"
)

// testController is the smallest controller on Base: it watches
// ConfigMaps and syncs their keys.
type testController struct {
	*Base
}

func newTestController(c Config) (*testController, error) {
	b, err := New(c, "test", "test-controller")
	if err != nil {
		return nil, err
	}
	if err := b.WatchKeys(b.Informers.Core().V1().ConfigMaps().Informer()); err != nil {
		return nil, err
	}
	return &testController{b}, nil
}

func TestAddedObjectReachesSync(t *testing.T) {
	client := fake.NewSimpleClientset(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "before"}})
	c, err := newTestController(Config{Client: client, Clock: clocktesting.NewFakeClock(time.Unix(0, 0))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	synced := make(chan string, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, 1, func(_ context.Context, key string) (*time.Duration, error) {
			synced <- key
			return nil, nil
		})
	}()
	if got := waitKey(t, synced); got != "ns/before" {
		t.Errorf("first key %q, want ns/before (listed at start)", got)
	}
	if _, err := client.CoreV1().ConfigMaps("ns").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "added"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := waitKey(t, synced); got != "ns/added" {
		t.Errorf("key %q, want ns/added", got)
	}
	cancel()
	<-done
	if !c.Queue.ShuttingDown() {
		t.Error("Run returned with its queue open")
	}
}

func waitKey(t *testing.T, keys <-chan string) string {
	t.Helper()
	select {
	case k := <-keys:
		return k
	case <-time.After(10 * time.Second):
		t.Fatal("no key reached sync")
		return ""
	}
}

// A handler that cannot be registered fails the controller's New instead
// of leaving a controller that never reacts.
func TestHandlerRegistrationErrorIsReturnedFromNew(t *testing.T) {
	client := fake.NewSimpleClientset()
	factory := informers.NewSharedInformerFactory(client, 0)
	inf := factory.Core().V1().ConfigMaps().Informer()
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	cache.WaitForCacheSync(ctx.Done(), inf.HasSynced)
	cancel()
	factory.Shutdown() // the informer has stopped: it takes no more handlers
	_, err := newTestController(Config{Client: client, Informers: factory})
	if err == nil || !strings.Contains(err.Error(), "test-controller: registering an event handler") {
		t.Fatalf("New: error %v, want the handler registration's", err)
	}
}

func TestNewNeedsAClient(t *testing.T) {
	if _, err := New(Config{}, "test", "test-controller"); err == nil {
		t.Error("New without a client succeeded")
	}
}

// Run returns when ctx ends, even while the caches never sync.
func TestRunReturnsWhenContextEnds(t *testing.T) {
	b, err := New(Config{Client: fake.NewSimpleClientset()}, "test", "test-controller")
	if err != nil {
		t.Fatal(err)
	}
	b.WaitFor(func() bool { return false })
	extra := b.NewQueue("extra")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Run(ctx, 2, func(context.Context, string) (*time.Duration, error) { return nil, nil })
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after ctx ended")
	}
	if !b.Queue.ShuttingDown() || !extra.ShuttingDown() {
		t.Error("Run returned with a queue open")
	}
}
