package garbagecollector

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Finalizers the API server sets on an owner deleted with the orphan or
// foreground propagation policy; this package removes them when done.
const (
	finalizerOrphan     = metav1.FinalizerOrphanDependents
	finalizerForeground = metav1.FinalizerDeleteDependents
)

// objectRef identifies one object. Resource is known only for objects seen
// through an informer; for an owner known only from an ownerReference it is
// empty and the owner must be resolved through the RESTMapper.
type objectRef struct {
	Resource   schema.GroupVersionResource
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	UID        types.UID
}

// node is the graph's record of one object. A node that is not observed is a
// placeholder: some object names it as owner, but no informer has shown it
// (yet, or any more); it exists only to hold the reverse edges.
type node struct {
	ref        objectRef
	observed   bool
	owners     []metav1.OwnerReference
	dependents map[types.UID]struct{}
	deleting   bool
	finalizers []string
}

func newNode(uid types.UID) *node {
	return &node{ref: objectRef{UID: uid}, dependents: map[types.UID]struct{}{}}
}

// deletingDependents reports whether the object waits, in foreground
// deletion, for its blocking dependents to go.
func (n *node) deletingDependents() bool {
	return n.observed && n.deleting && hasString(n.finalizers, finalizerForeground)
}

// ownerRef returns n's reference to owner, if any.
func (n *node) ownerRef(owner types.UID) (metav1.OwnerReference, bool) {
	for _, r := range n.owners {
		if r.UID == owner {
			return r, true
		}
	}
	return metav1.OwnerReference{}, false
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func blocks(r metav1.OwnerReference) bool {
	return r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion
}
