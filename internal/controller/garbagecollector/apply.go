package garbagecollector

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/klog/v2"
)

// patchFunc builds a patch from an object's latest metadata; ok=false means
// nothing to change.
type patchFunc func(m metav1.Object) (patch []byte, ok bool, err error)

// apply carries out plan's decision for the object v, whose live metadata
// is latest. It returns when to look again, if the decision is to wait.
func (c *Controller) apply(ctx context.Context, v nodeView, latest metav1.Object, a action) (*time.Duration, error) {
	switch a.Kind {
	case actDelete:
		return nil, c.delete(ctx, v.Ref, a.Policy)
	case actRemoveOwnerRefs:
		return nil, c.patch(ctx, v.Ref, latest, func(m metav1.Object) ([]byte, bool, error) {
			return removeOwnerRefsPatch(m, a.Owners)
		})
	case actUnblockOwnerRefs:
		return nil, c.patch(ctx, v.Ref, latest, func(m metav1.Object) ([]byte, bool, error) {
			return unblockOwnerRefsPatch(m, a.Owners)
		})
	case actOrphan:
		return nil, c.orphan(ctx, v.Ref, latest, a.Dependents)
	case actRemoveFinalizer:
		return nil, c.removeFinalizer(ctx, v.Ref, latest, a.Finalizer)
	case actWaitForDependents:
		for _, d := range a.Dependents {
			c.queue.Add(d.UID)
		}
		// Dependents' delete events bring us back; the timer is a safety net.
		after := c.recheckForeground
		return &after, nil
	}
	return nil, nil
}

// delete deletes ref with policy, only if it still has ref's uid.
func (c *Controller) delete(ctx context.Context, ref objectRef, policy metav1.DeletionPropagation) error {
	uid := ref.UID
	opts := metav1.DeleteOptions{
		PropagationPolicy: &policy,
		Preconditions:     &metav1.Preconditions{UID: &uid},
	}
	klog.V(2).Infof("garbagecollector: deleting %s %s/%s (%s)", ref.Kind, ref.Namespace, ref.Name, policy)
	err := c.metadata.Resource(ref.Resource).Namespace(ref.Namespace).Delete(ctx, ref.Name, opts)
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // gone already, or replaced by another object of that name
	}
	return err
}

// patch applies build(latest) as a JSON merge patch.
func (c *Controller) patch(ctx context.Context, ref objectRef, latest metav1.Object, build patchFunc) error {
	p, ok, err := build(latest)
	if err != nil || !ok {
		return err
	}
	_, err = c.metadata.Resource(ref.Resource).Namespace(ref.Namespace).Patch(ctx, ref.Name, types.MergePatchType, p, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// orphan strips owner's uid from each dependent, then lets the owner go.
// The finalizer stays until every dependent is patched, so a failure is
// retried rather than leaving a dependent to be collected.
func (c *Controller) orphan(ctx context.Context, owner objectRef, latest metav1.Object, deps []objectRef) error {
	var errs []error
	for _, d := range deps {
		if err := c.orphanOne(ctx, owner.UID, d); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return utilerrors.NewAggregate(errs)
	}
	return c.removeFinalizer(ctx, owner, latest, finalizerOrphan)
}

func (c *Controller) orphanOne(ctx context.Context, owner types.UID, d objectRef) error {
	dep, err := c.get(ctx, d)
	if apierrors.IsNotFound(err) || (err == nil && dep.UID != d.UID) {
		return nil
	}
	if err != nil {
		return err
	}
	return c.patch(ctx, d, dep, func(m metav1.Object) ([]byte, bool, error) {
		return removeOwnerRefsPatch(m, []types.UID{owner})
	})
}

func (c *Controller) removeFinalizer(ctx context.Context, ref objectRef, latest metav1.Object, f string) error {
	return c.patch(ctx, ref, latest, func(m metav1.Object) ([]byte, bool, error) {
		return removeFinalizerPatch(m, f)
	})
}

// get reads ref's live metadata.
func (c *Controller) get(ctx context.Context, ref objectRef) (*metav1.PartialObjectMetadata, error) {
	return c.metadata.Resource(ref.Resource).Namespace(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
}
