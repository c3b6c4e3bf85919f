package garbagecollector

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ownerState is what a live lookup found for one ownerReference.
type ownerState int

const (
	// ownerSolid: the owner exists and is not waiting for its dependents.
	ownerSolid ownerState = iota
	// ownerAbsent: not found, or found with another uid (name reused).
	ownerAbsent
	// ownerWaiting: the owner is in foreground deletion.
	ownerWaiting
)

// actionKind says what the thin layer must do for one object.
type actionKind int

const (
	actNone actionKind = iota
	// actDelete deletes the object with Policy.
	actDelete
	// actRemoveOwnerRefs patches away the references to Owners.
	actRemoveOwnerRefs
	// actUnblockOwnerRefs sets blockOwnerDeletion=false on the references to
	// Owners, breaking a foreground-deletion cycle.
	actUnblockOwnerRefs
	// actOrphan removes the object's uid from the ownerReferences of
	// Dependents, then removes the orphan finalizer from the object.
	actOrphan
	// actRemoveFinalizer removes Finalizer from the object.
	actRemoveFinalizer
	// actWaitForDependents: a foreground-deleting object still has blocking
	// dependents; Dependents are those to prod into deletion.
	actWaitForDependents
)

// action is plan's decision.
type action struct {
	Kind       actionKind
	Policy     metav1.DeletionPropagation
	Owners     []types.UID
	Dependents []objectRef
	Finalizer  string
}

// plan decides what to do with one object. owners holds the live state of
// every ownerReference; it is consulted only for objects not being deleted.
func plan(v nodeView, owners map[types.UID]ownerState) action {
	switch {
	case v.Deleting && hasString(v.Finalizers, finalizerOrphan):
		return action{Kind: actOrphan, Dependents: dependentRefs(v.Dependents)}
	case v.Deleting && hasString(v.Finalizers, finalizerForeground):
		return planForeground(v)
	case v.Deleting, len(v.Owners) == 0:
		// Deletion is a one-way trip: wait for the delete event.
		return action{}
	}
	return planOwned(v, owners)
}

// needsOwnerStates tells the thin layer whether plan will read owner states,
// so it does the live lookups only then.
func needsOwnerStates(v nodeView) bool {
	return !v.Deleting && len(v.Owners) > 0
}

// planForeground: an owner in foreground deletion waits until no dependent
// blocks it; meanwhile it prods the blocking dependents that are not
// already deleting their own dependents.
func planForeground(v nodeView) action {
	blocking := 0
	var prod []objectRef
	for _, d := range v.Dependents {
		if !d.Blocking {
			continue
		}
		blocking++
		if !d.DeletingDependents {
			prod = append(prod, d.Ref)
		}
	}
	if blocking == 0 {
		return action{Kind: actRemoveFinalizer, Finalizer: finalizerForeground}
	}
	return action{Kind: actWaitForDependents, Dependents: prod}
}

// planOwned decides for an object that has owners and is not being deleted.
func planOwned(v nodeView, owners map[types.UID]ownerState) action {
	var solid, gone, waiting []types.UID
	for _, r := range v.Owners {
		switch owners[r.UID] {
		case ownerAbsent:
			gone = append(gone, r.UID)
		case ownerWaiting:
			waiting = append(waiting, r.UID)
		default:
			solid = append(solid, r.UID)
		}
	}
	switch {
	case len(solid) > 0:
		// Kept by a live owner; references to absent or foreground-deleting
		// owners go, or those owners would wait on us for ever.
		if len(gone)+len(waiting) == 0 {
			return action{}
		}
		return action{Kind: actRemoveOwnerRefs, Owners: append(gone, waiting...)}
	case len(waiting) > 0 && len(v.Dependents) > 0:
		if anyDeletingDependents(v.Dependents) {
			return action{Kind: actUnblockOwnerRefs, Owners: waiting}
		}
		return action{Kind: actDelete, Policy: metav1.DeletePropagationForeground}
	default:
		return action{Kind: actDelete, Policy: ownPolicy(v.Finalizers)}
	}
}

// ownPolicy keeps a policy the object's own finalizers already ask for.
func ownPolicy(finalizers []string) metav1.DeletionPropagation {
	switch {
	case hasString(finalizers, finalizerOrphan):
		return metav1.DeletePropagationOrphan
	case hasString(finalizers, finalizerForeground):
		return metav1.DeletePropagationForeground
	default:
		return metav1.DeletePropagationBackground
	}
}

func anyDeletingDependents(ds []dependentView) bool {
	for _, d := range ds {
		if d.DeletingDependents {
			return true
		}
	}
	return false
}

func dependentRefs(ds []dependentView) []objectRef {
	out := make([]objectRef, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Ref)
	}
	return out
}
