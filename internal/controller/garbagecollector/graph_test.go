package garbagecollector

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func observe(g *graph, m *metav1.PartialObjectMetadata) []types.UID {
	return g.observe(cmRef(m.UID), m)
}

func TestGraphDependentOfUnseenOwnerIsChecked(t *testing.T) {
	g := newGraph()
	if got := observe(g, cm("d", ownerRef("ghost", false))); !reflect.DeepEqual(got, []types.UID{"d"}) {
		t.Fatalf("dependent of unseen owner: enqueue %v, want [d]", got)
	}
	if _, ok := g.view("ghost"); ok {
		t.Error("placeholder must not be viewable")
	}
}

func TestGraphDependentOfSeenOwnerIsNotChecked(t *testing.T) {
	g := newGraph()
	observe(g, cm("o"))
	if got := observe(g, cm("d", ownerRef("o", true))); len(got) != 0 {
		t.Fatalf("enqueue %v, want nothing", got)
	}
	v, _ := g.view("o")
	if len(v.Dependents) != 1 || !v.Dependents[0].Blocking {
		t.Fatalf("owner view dependents = %+v", v.Dependents)
	}
}

func TestGraphOwnerSeenAfterDependentKeepsEdge(t *testing.T) {
	g := newGraph()
	observe(g, cm("d", ownerRef("o", false)))
	observe(g, cm("o"))
	v, _ := g.view("o")
	if len(v.Dependents) != 1 || v.Dependents[0].Ref.UID != "d" {
		t.Fatalf("dependents = %+v, want [d]", v.Dependents)
	}
}

func TestGraphForgetOwnerEnqueuesDependents(t *testing.T) {
	g := newGraph()
	observe(g, cm("o"))
	observe(g, cm("d1", ownerRef("o", false)))
	observe(g, cm("d2", ownerRef("o", false)))
	if got := g.forget("o"); !reflect.DeepEqual(got, []types.UID{"d1", "d2"}) {
		t.Fatalf("forget owner: enqueue %v", got)
	}
	if _, ok := g.view("o"); ok {
		t.Error("forgotten owner still viewable")
	}
	g.forget("d1")
	g.forget("d2")
	if len(g.nodes) != 0 {
		t.Errorf("graph leaks %d nodes", len(g.nodes))
	}
}

func TestGraphForegroundTransitionEnqueuesOwnerAndDependents(t *testing.T) {
	g := newGraph()
	observe(g, cm("o"))
	observe(g, cm("d", ownerRef("o", true)))
	got := observe(g, deleting(cm("o"), finalizerForeground))
	if !reflect.DeepEqual(got, []types.UID{"o", "d"}) {
		t.Fatalf("foreground transition: enqueue %v, want [o d]", got)
	}
	// The dependent going away must wake the waiting owner.
	if got := g.forget("d"); !reflect.DeepEqual(got, []types.UID{"o"}) {
		t.Fatalf("dependent gone: enqueue %v, want [o]", got)
	}
}

func TestGraphUnblockingWakesForegroundOwner(t *testing.T) {
	g := newGraph()
	observe(g, cm("o"))
	observe(g, cm("d", ownerRef("o", true)))
	observe(g, deleting(cm("o"), finalizerForeground))
	if got := observe(g, cm("d", ownerRef("o", false))); !reflect.DeepEqual(got, []types.UID{"o"}) {
		t.Fatalf("unblocked: enqueue %v, want [o]", got)
	}
	if got := observe(g, cm("d")); !reflect.DeepEqual(got, []types.UID{"o"}) {
		t.Fatalf("reference removed: enqueue %v, want [o]", got)
	}
	v, _ := g.view("o")
	if len(v.Dependents) != 0 {
		t.Errorf("dependents = %+v, want none", v.Dependents)
	}
}

func TestGraphOrphanTransitionEnqueuesOwner(t *testing.T) {
	g := newGraph()
	observe(g, cm("o"))
	if got := observe(g, deleting(cm("o"), finalizerOrphan)); !reflect.DeepEqual(got, []types.UID{"o"}) {
		t.Fatalf("enqueue %v, want [o]", got)
	}
}

func TestDiffOwners(t *testing.T) {
	a, b, c := ownerRef("a", false), ownerRef("b", false), ownerRef("c", false)
	bBlocking := ownerRef("b", true)
	added, gone := diffOwners([]metav1.OwnerReference{a, b}, []metav1.OwnerReference{bBlocking, c})
	if !reflect.DeepEqual(added, []metav1.OwnerReference{c}) {
		t.Errorf("added = %v", added)
	}
	if !reflect.DeepEqual(gone, []metav1.OwnerReference{bBlocking, a}) {
		t.Errorf("removedOrChanged = %v", gone)
	}
}

// An owner looked up live while its resource was not watched, then deleted
// before its informer listed, never sends a delete event: its dependents
// are found through the placeholder once that informer has synced.
func TestGraphDependentsOfUnseenOwners(t *testing.T) {
	g := newGraph()
	observe(g, cm("o"))
	observe(g, cm("d1", ownerRef("o", false)))
	observe(g, cm("d2", ownerRef("ghost", false)))
	observe(g, cm("d3", ownerRef("ghost", false)))
	if got := g.dependentsOfUnseenOwners(); !reflect.DeepEqual(got, []types.UID{"d2", "d3"}) {
		t.Fatalf("dependentsOfUnseenOwners = %v, want [d2 d3]", got)
	}
}
