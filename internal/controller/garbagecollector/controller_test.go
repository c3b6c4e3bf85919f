package garbagecollector

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	fakediscovery "k8s.io/client-go/discovery/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	clienttesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
)

// fixture is a Controller over fake clients holding objs.
type fixture struct {
	ctl  *Controller
	meta *metadatafake.FakeMetadataClient
}

// newFixture also puts objs in the graph, as if informers had shown them.
func newFixture(t *testing.T, objs ...runtime.Object) fixture {
	t.Helper()
	f := newUnsyncedFixture(t, objs...)
	for _, o := range objs {
		m := o.(*metav1.PartialObjectMetadata)
		f.ctl.graph.observe(cmRef(m.UID), m)
	}
	return f
}

// newUnsyncedFixture leaves the graph empty, for tests that run informers.
func newUnsyncedFixture(t *testing.T, objs ...runtime.Object) fixture {
	t.Helper()
	scheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	client := metadatafake.NewSimpleMetadataClient(scheme, objs...)
	disc := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{Resources: []*metav1.APIResourceList{{
		GroupVersion: "v1",
		APIResources: []metav1.APIResource{{Name: "configmaps", Kind: "ConfigMap", Namespaced: true,
			Verbs: metav1.Verbs{"get", "list", "watch", "delete", "patch"}}},
	}}}}
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(configmaps.GroupVersion().WithKind("ConfigMap"), meta.RESTScopeNamespace)
	ctl, err := New(Config{Metadata: client, Discovery: disc, Mapper: mapper,
		Clock: clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{ctl: ctl, meta: client}
}

// writes lists the mutating actions the fake client saw, as "verb name".
func (f fixture) writes() []string {
	var out []string
	for _, a := range f.meta.Actions() {
		switch a := a.(type) {
		case clienttesting.DeleteAction:
			out = append(out, "delete "+a.GetName())
		case clienttesting.PatchAction:
			out = append(out, "patch "+a.GetName()+" "+string(a.GetPatch()))
		}
	}
	return out
}

func TestSyncDeletesDependentOfAbsentOwner(t *testing.T) {
	f := newFixture(t, cm("d", ownerRef("ghost", false)))
	if _, err := f.ctl.sync(context.Background(), "d"); err != nil {
		t.Fatal(err)
	}
	var del clienttesting.DeleteActionImpl
	for _, a := range f.meta.Actions() {
		if d, ok := a.(clienttesting.DeleteActionImpl); ok {
			del = d
		}
	}
	if del.Name != "cm-d" {
		t.Fatalf("writes = %v, want a delete of cm-d", f.writes())
	}
	if p := del.DeleteOptions.PropagationPolicy; p == nil || *p != metav1.DeletePropagationBackground {
		t.Errorf("policy = %v, want Background", p)
	}
	if pre := del.DeleteOptions.Preconditions; pre == nil || *pre.UID != "d" {
		t.Errorf("preconditions = %v, want uid d", pre)
	}
}

func TestSyncKeepsDependentOfLiveOwner(t *testing.T) {
	f := newFixture(t, cm("o"), cm("d", ownerRef("o", false)))
	if _, err := f.ctl.sync(context.Background(), "d"); err != nil {
		t.Fatal(err)
	}
	if w := f.writes(); len(w) != 0 {
		t.Errorf("writes = %v, want none", w)
	}
}

func TestSyncTreatsReusedNameAsAbsentOwner(t *testing.T) {
	reused := cm("new")
	reused.Name = "cm-old"
	f := newFixture(t, reused, cm("d", ownerRef("old", false)))
	if _, err := f.ctl.sync(context.Background(), "d"); err != nil {
		t.Fatal(err)
	}
	if w := f.writes(); len(w) != 1 || w[0] != "delete cm-d" {
		t.Errorf("writes = %v, want [delete cm-d]", w)
	}
}

func TestSyncOrphansDependentsThenReleasesOwner(t *testing.T) {
	f := newFixture(t, deleting(cm("o"), finalizerOrphan), cm("d", ownerRef("o", true)))
	if _, err := f.ctl.sync(context.Background(), "o"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`patch cm-d {"metadata":{"uid":"d","resourceVersion":"1","ownerReferences":[]}}`,
		`patch cm-o {"metadata":{"uid":"o","resourceVersion":"1","finalizers":[]}}`,
	}
	if w := f.writes(); len(w) != 2 || w[0] != want[0] || w[1] != want[1] {
		t.Errorf("writes =\n%v\nwant\n%v", w, want)
	}
}

func TestSyncForegroundWaitsThenReleases(t *testing.T) {
	f := newFixture(t, deleting(cm("o"), finalizerForeground), cm("d", ownerRef("o", true)))
	after, err := f.ctl.sync(context.Background(), "o")
	if err != nil || after == nil {
		t.Fatalf("blocking dependent: after=%v err=%v, want a recheck", after, err)
	}
	if w := f.writes(); len(w) != 0 {
		t.Fatalf("writes = %v, want none while waiting", w)
	}
	f.ctl.graph.forget("d")
	if _, err := f.ctl.sync(context.Background(), "o"); err != nil {
		t.Fatal(err)
	}
	if w := f.writes(); len(w) != 1 || w[0] != `patch cm-o {"metadata":{"uid":"o","resourceVersion":"1","finalizers":[]}}` {
		t.Errorf("writes = %v", w)
	}
}

func TestSyncForgetsObjectGoneFromServer(t *testing.T) {
	f := newFixture(t)
	f.ctl.graph.observe(cmRef("o"), cm("o"))
	f.ctl.graph.observe(cmRef("d"), cm("d", ownerRef("o", false)))
	if _, err := f.ctl.sync(context.Background(), "o"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.ctl.graph.view("o"); ok {
		t.Error("object absent from the server is still in the graph")
	}
}

func TestRunCollectsDependentOfOwnerThatNeverExisted(t *testing.T) {
	f := newUnsyncedFixture(t, cm("d", ownerRef("ghost", false)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.ctl.Run(ctx, 1); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, err := f.meta.Resource(configmaps).Namespace("ns").Get(ctx, "cm-d", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("dependent not collected; writes = %v", f.writes())
}
