// Package controllerref is the controller-reference bookkeeping that
// every workload controller needs for what it controls (pods, and a
// Deployment's ReplicaSets), as Kubernetes' controller reference manager
// does it: a controller owns the objects whose controller reference names
// it; an owned object whose labels stop matching its selector is
// released; a matching object that nobody controls is adopted, after a
// live read confirms the owner is still there and not being deleted. An
// object is never taken from another controller.
package controllerref

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
)

// Owner is a controller claiming objects.
type Owner struct {
	Object   metav1.Object
	Kind     schema.GroupVersionKind
	Selector labels.Selector
	// Fresh reads the owner past the cache, for the check before adopting.
	Fresh func(ctx context.Context) (metav1.Object, error)
	// Member, when set, limits adoption to objects it accepts (a
	// StatefulSet adopts only pods named after it).
	Member func(metav1.Object) bool
	// Finalizer, when set, is one the owner keeps on what it controls (a
	// Job's pod-tracking finalizer): the adoption patch adds it and the
	// release patch removes it, each in the same write as the reference.
	Finalizer string
}

// Patcher applies a strategic merge patch to one object of the claimed
// kind in the owner's namespace.
type Patcher[T metav1.Object] func(ctx context.Context, name string, patch []byte) (T, error)

// ClaimObjects returns the objects owner controls, given those whose
// controller reference names it (owned) and those in its namespace
// without a controller (orphans): it releases owned ones that stopped
// matching and adopts matching orphans. An owner being deleted keeps what
// it has and adopts nothing.
func ClaimObjects[T metav1.Object](ctx context.Context, o Owner, owned, orphans []T, patch Patcher[T]) ([]T, error) {
	deleting := o.Object.GetDeletionTimestamp() != nil
	out := make([]T, 0, len(owned))
	for _, obj := range owned {
		switch {
		case deleting || o.Selector.Matches(labels.Set(obj.GetLabels())):
			out = append(out, obj)
		case obj.GetDeletionTimestamp() == nil:
			release(ctx, o, obj, patch)
		}
	}
	if deleting || o.Selector.Empty() {
		return out, nil
	}
	checked := false
	for _, obj := range orphans {
		if obj.GetDeletionTimestamp() != nil || !o.Selector.Matches(labels.Set(obj.GetLabels())) || (o.Member != nil && !o.Member(obj)) {
			continue
		}
		if !checked {
			if err := canAdopt(ctx, o); err != nil {
				return out, err
			}
			checked = true
		}
		got, ok, err := adopt(ctx, o, obj, patch)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, got)
		}
	}
	return out, nil
}

func canAdopt(ctx context.Context, o Owner) error {
	fresh, err := o.Fresh(ctx)
	if err != nil {
		return err
	}
	if fresh.GetUID() != o.Object.GetUID() {
		return fmt.Errorf("%s %s/%s is gone: uid %s, want %s", o.Kind.Kind, o.Object.GetNamespace(), o.Object.GetName(), fresh.GetUID(), o.Object.GetUID())
	}
	if fresh.GetDeletionTimestamp() != nil {
		return fmt.Errorf("%s %s/%s is being deleted: not adopting", o.Kind.Kind, o.Object.GetNamespace(), o.Object.GetName())
	}
	return nil
}

type patchMeta struct {
	OwnerReferences []any     `json:"ownerReferences"`
	UID             types.UID `json:"uid"`
	Finalizers      []string  `json:"finalizers,omitempty"`
	DeleteFinalizer []string  `json:"$deleteFromPrimitiveList/finalizers,omitempty"`
}

// finalizers is o.Finalizer as a list, empty when unset.
func (o Owner) finalizers() []string {
	if o.Finalizer == "" {
		return nil
	}
	return []string{o.Finalizer}
}

// adopt makes the owner the object's controller; ok is false when the
// object is gone or was taken meanwhile (the patch names its UID as a
// precondition).
func adopt[T metav1.Object](ctx context.Context, o Owner, obj T, patch Patcher[T]) (T, bool, error) {
	data, err := json.Marshal(map[string]patchMeta{"metadata": {
		OwnerReferences: []any{metav1.NewControllerRef(o.Object, o.Kind)}, UID: obj.GetUID(), Finalizers: o.finalizers()}})
	if err != nil {
		return obj, false, err
	}
	got, err := patch(ctx, obj.GetName(), data)
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsInvalid(err) {
		return obj, false, nil
	}
	if err != nil {
		return obj, false, fmt.Errorf("adopting %s: %w", obj.GetName(), err)
	}
	return got, true, nil
}

// release drops the owner's controller reference. A failure is logged:
// the object is left out either way, and the next sync tries again.
func release[T metav1.Object](ctx context.Context, o Owner, obj T, patch Patcher[T]) {
	data, err := json.Marshal(map[string]patchMeta{"metadata": {
		OwnerReferences: []any{map[string]any{"$patch": "delete", "uid": o.Object.GetUID()}}, UID: obj.GetUID(), DeleteFinalizer: o.finalizers()}})
	if err != nil {
		return
	}
	_, err = patch(ctx, obj.GetName(), data)
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		klog.FromContext(ctx).Error(err, "Releasing failed", "object", klog.KObj(obj), "owner", klog.KObj(o.Object))
	}
}
