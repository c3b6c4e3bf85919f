package garbagecollector

import (
	"sort"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// graph holds uid → node for every object the informers have shown, plus
// placeholders for owners named but not seen. Informer handlers mutate it;
// workers read copies (views). Every mutation returns the uids whose
// decision may have changed, so the caller can enqueue them.
type graph struct {
	mu    sync.Mutex
	nodes map[types.UID]*node
}

func newGraph() *graph {
	return &graph{nodes: map[types.UID]*node{}}
}

// observe records the latest metadata of an object seen through an informer
// for ref.Resource and returns the uids to sync.
func (g *graph) observe(ref objectRef, m metav1.Object) []types.UID {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.nodes[ref.UID]
	if n == nil {
		n = newNode(ref.UID)
		g.nodes[ref.UID] = n
	}
	firstSight := !n.observed
	old := n.owners
	n.ref, n.observed = ref, true
	n.owners = append([]metav1.OwnerReference(nil), m.GetOwnerReferences()...)
	n.deleting = m.GetDeletionTimestamp() != nil
	n.finalizers = append([]string(nil), m.GetFinalizers()...)

	added, removedOrChanged := diffOwners(old, n.owners)
	for _, r := range added {
		g.link(r.UID, n.ref.UID)
	}
	var out []types.UID
	for _, r := range removedOrChanged {
		if _, still := n.ownerRef(r.UID); !still {
			g.unlink(r.UID, n.ref.UID)
		}
		out = g.appendIfDeletingDependents(out, r.UID)
	}
	if (firstSight || len(added) > 0) && g.ownerNeedsCheck(n) {
		out = append(out, n.ref.UID)
	}
	return append(out, g.transitions(n)...)
}

// ownerNeedsCheck reports whether one of n's owners is unseen (it may never
// have existed) or is being deleted, so n itself needs a decision.
func (g *graph) ownerNeedsCheck(n *node) bool {
	for _, r := range n.owners {
		o := g.nodes[r.UID]
		if o == nil || !o.observed || o.deleting {
			return true
		}
	}
	return false
}

// transitions returns what an object being deleted with the orphan or
// foreground policy needs synced: itself, and for foreground its dependents.
func (g *graph) transitions(n *node) []types.UID {
	if !n.deleting {
		return nil
	}
	var out []types.UID
	if hasString(n.finalizers, finalizerOrphan) || hasString(n.finalizers, finalizerForeground) {
		out = append(out, n.ref.UID)
	}
	if n.deletingDependents() {
		out = append(out, sortedUIDs(n.dependents)...)
	}
	return out
}

// forget handles a delete: the object is gone. Its dependents need a
// decision, and so do owners that were waiting for it.
func (g *graph) forget(uid types.UID) []types.UID {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.nodes[uid]
	if n == nil || !n.observed {
		return nil
	}
	var out []types.UID
	for _, r := range n.owners {
		g.unlink(r.UID, uid)
		out = g.appendIfDeletingDependents(out, r.UID)
	}
	out = append(out, sortedUIDs(n.dependents)...)
	if len(n.dependents) == 0 {
		delete(g.nodes, uid)
		return out
	}
	placeholder := newNode(uid)
	placeholder.dependents = n.dependents
	g.nodes[uid] = placeholder
	return out
}

func (g *graph) appendIfDeletingDependents(out []types.UID, uid types.UID) []types.UID {
	if o := g.nodes[uid]; o != nil && o.deletingDependents() {
		return append(out, uid)
	}
	return out
}

// dependentsOfUnseenOwners lists the dependents of every owner no
// informer has shown (a placeholder).
func (g *graph) dependentsOfUnseenOwners() []types.UID {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []types.UID
	for _, n := range g.nodes {
		if !n.observed {
			out = append(out, sortedUIDs(n.dependents)...)
		}
	}
	return out
}

// link records dependent under owner, creating a placeholder owner.
func (g *graph) link(owner, dependent types.UID) {
	o := g.nodes[owner]
	if o == nil {
		o = newNode(owner)
		g.nodes[owner] = o
	}
	o.dependents[dependent] = struct{}{}
}

// unlink drops the edge and any placeholder left without dependents.
func (g *graph) unlink(owner, dependent types.UID) {
	o := g.nodes[owner]
	if o == nil {
		return
	}
	delete(o.dependents, dependent)
	if !o.observed && len(o.dependents) == 0 {
		delete(g.nodes, owner)
	}
}

// diffOwners returns refs new in cur, and refs of old that are gone from
// cur or whose blockOwnerDeletion changed (either may unblock an owner).
func diffOwners(old, cur []metav1.OwnerReference) (added, removedOrChanged []metav1.OwnerReference) {
	oldBy := map[types.UID]metav1.OwnerReference{}
	for _, r := range old {
		oldBy[r.UID] = r
	}
	curBy := map[types.UID]metav1.OwnerReference{}
	for _, r := range cur {
		curBy[r.UID] = r
		if o, ok := oldBy[r.UID]; !ok {
			added = append(added, r)
		} else if blocks(o) != blocks(r) {
			removedOrChanged = append(removedOrChanged, r)
		}
	}
	for _, r := range old {
		if _, ok := curBy[r.UID]; !ok {
			removedOrChanged = append(removedOrChanged, r)
		}
	}
	return added, removedOrChanged
}

func sortedUIDs(set map[types.UID]struct{}) []types.UID {
	out := make([]types.UID, 0, len(set))
	for uid := range set {
		out = append(out, uid)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
