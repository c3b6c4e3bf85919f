package namespace

import (
	"context"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	clienttesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
)

var configmaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

type fixture struct {
	ctl    *Controller
	client *fake.Clientset
	meta   *metadatafake.FakeMetadataClient
}

func configMap(name string, finalizers ...string) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: name, UID: "cm-" + types.UID(name), Finalizers: finalizers},
	}
}

// newFixture serves ns and objs. DeleteCollection removes the objects
// without finalizers, as the API server does.
func newFixture(t *testing.T, ns *v1.Namespace, objs ...runtime.Object) fixture {
	t.Helper()
	scheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	meta := metadatafake.NewSimpleMetadataClient(scheme, objs...)
	meta.PrependReactor("delete-collection", "*", func(a clienttesting.Action) (bool, runtime.Object, error) {
		list, err := meta.Tracker().List(a.GetResource(), schema.GroupVersionKind{Group: "fake-metadata-client-group", Version: "v1"}, a.GetNamespace())
		if err != nil {
			return true, nil, err
		}
		for _, o := range list.(*metav1.List).Items {
			m := o.Object.(*metav1.PartialObjectMetadata)
			if len(m.Finalizers) == 0 {
				_ = meta.Tracker().Delete(a.GetResource(), m.Namespace, m.Name)
			}
		}
		return true, nil, nil
	})
	client := fake.NewSimpleClientset(ns)
	disc := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{Resources: []*metav1.APIResourceList{{
		GroupVersion: "v1",
		APIResources: []metav1.APIResource{{Name: "configmaps", Kind: "ConfigMap", Namespaced: true,
			Verbs: metav1.Verbs{"list", "delete", "deletecollection"}}},
	}}}}
	ctl, err := New(Config{Client: client, Metadata: meta, Discovery: disc,
		Clock: clocktesting.NewFakeClock(anchor)})
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.informer.GetIndexer().Add(ns); err != nil {
		t.Fatal(err)
	}
	client.ClearActions()
	return fixture{ctl: ctl, client: client, meta: meta}
}

// nsWrites lists the namespace writes as "verb[/subresource]".
func (f fixture) nsWrites() []string {
	var out []string
	for _, a := range f.client.Actions() {
		if a.GetVerb() == "list" || a.GetVerb() == "watch" || a.GetVerb() == "get" {
			continue
		}
		s := a.GetVerb()
		if a.GetSubresource() != "" {
			s += "/" + a.GetSubresource()
		}
		out = append(out, s)
	}
	return out
}

func TestSyncEmptiesFinalizesAndDeletes(t *testing.T) {
	f := newFixture(t, nsWith(true, finalizerKubernetes), configMap("a"))
	after, err := f.ctl.sync(context.Background(), "x")
	if err != nil || after != nil {
		t.Fatalf("after=%v err=%v", after, err)
	}
	want := []string{"update/status", "create/finalize", "delete"}
	if got := f.nsWrites(); len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("namespace writes = %v, want %v", got, want)
	}
	if list, _ := f.meta.Resource(configmaps).Namespace("x").List(context.Background(), metav1.ListOptions{}); len(list.Items) != 0 {
		t.Errorf("content left: %d", len(list.Items))
	}
}

func TestSyncWaitsForContentWithFinalizers(t *testing.T) {
	f := newFixture(t, nsWith(true, finalizerKubernetes), configMap("a", "example.com/keep"))
	after, err := f.ctl.sync(context.Background(), "x")
	if err != nil || after == nil || *after != contentRecheck {
		t.Fatalf("after=%v err=%v, want a recheck", after, err)
	}
	for _, w := range f.nsWrites() {
		if w == "create/finalize" || w == "delete" {
			t.Fatalf("finalized with content left: %v", f.nsWrites())
		}
	}
	ns, _ := f.client.CoreV1().Namespaces().Get(context.Background(), "x", metav1.GetOptions{})
	if c := find(ns.Status.Conditions, v1.NamespaceContentRemaining); c.Status != v1.ConditionTrue {
		t.Errorf("ContentRemaining = %+v", c)
	}
}

func TestSyncIgnoresActiveNamespace(t *testing.T) {
	f := newFixture(t, nsWith(false, finalizerKubernetes), configMap("a"))
	if after, err := f.ctl.sync(context.Background(), "x"); err != nil || after != nil {
		t.Fatalf("after=%v err=%v", after, err)
	}
	if w := f.nsWrites(); len(w) != 0 {
		t.Errorf("writes = %v", w)
	}
	if len(f.meta.Actions()) != 0 {
		t.Errorf("content touched: %v", f.meta.Actions())
	}
}

func TestRunFinishesDeletion(t *testing.T) {
	f := newFixture(t, nsWith(true, finalizerKubernetes))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.ctl.Run(ctx, 1); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := f.client.CoreV1().Namespaces().Get(ctx, "x", metav1.GetOptions{}); err != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("namespace not deleted; writes = %v", f.nsWrites())
}
