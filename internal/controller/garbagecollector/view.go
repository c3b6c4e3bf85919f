package garbagecollector

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// nodeView is a copy of what plan needs to know about one object: its own
// metadata (refreshed from a live GET before planning) and its dependents as
// the graph knows them.
type nodeView struct {
	Ref        objectRef
	Deleting   bool
	Finalizers []string
	Owners     []metav1.OwnerReference
	Dependents []dependentView
}

// dependentView is one dependent of the viewed object.
type dependentView struct {
	Ref objectRef
	// Blocking: its ownerReference to the viewed object has
	// blockOwnerDeletion=true, so a foreground delete must wait for it.
	Blocking bool
	// DeletingDependents: it is itself in foreground deletion.
	DeletingDependents bool
}

// view returns a copy of the observed node uid, or false for unknown uids
// and placeholders (nothing to decide for an object never seen).
func (g *graph) view(uid types.UID) (nodeView, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.nodes[uid]
	if n == nil || !n.observed {
		return nodeView{}, false
	}
	v := nodeView{
		Ref:        n.ref,
		Deleting:   n.deleting,
		Finalizers: append([]string(nil), n.finalizers...),
		Owners:     append([]metav1.OwnerReference(nil), n.owners...),
	}
	for _, d := range sortedUIDs(n.dependents) {
		dn := g.nodes[d]
		if dn == nil || !dn.observed {
			continue
		}
		r, _ := dn.ownerRef(uid)
		v.Dependents = append(v.Dependents, dependentView{
			Ref:                dn.ref,
			Blocking:           blocks(r),
			DeletingDependents: dn.deletingDependents(),
		})
	}
	return v, true
}

// withLatest replaces the cached metadata with a live copy, so a decision
// never rests on a stale cache.
func (v nodeView) withLatest(m metav1.Object) nodeView {
	v.Deleting = m.GetDeletionTimestamp() != nil
	v.Finalizers = m.GetFinalizers()
	v.Owners = m.GetOwnerReferences()
	return v
}
