package garbagecollector

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// ownerStates looks every owner of v up live. The cache may lag (an owner
// created a moment before its dependent, an informer not yet synced), and
// only the API server may tell us an owner is absent.
func (c *Controller) ownerStates(ctx context.Context, v nodeView) (map[types.UID]ownerState, error) {
	out := make(map[types.UID]ownerState, len(v.Owners))
	for _, r := range v.Owners {
		st, err := c.lookupOwner(ctx, v.Ref.Namespace, r)
		if err != nil {
			return nil, fmt.Errorf("owner %s %s of %s/%s: %w", r.Kind, r.Name, v.Ref.Namespace, v.Ref.Name, err)
		}
		out[r.UID] = st
	}
	return out, nil
}

// lookupOwner resolves ref (in the dependent's namespace when the owner's
// kind is namespaced) and classifies it.
func (c *Controller) lookupOwner(ctx context.Context, namespace string, ref metav1.OwnerReference) (ownerState, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return ownerSolid, err
	}
	mapping, err := c.mapper.RESTMapping(schema.GroupKind{Group: gv.Group, Kind: ref.Kind}, gv.Version)
	if err != nil {
		// Maybe a kind added since the mapper last read discovery; retried
		// with backoff, as Kubernetes does, never treated as absent.
		c.resetMapper()
		return ownerSolid, err
	}
	if !c.monitors.watching(mapping.Resource) {
		// An owner of a kind discovery showed after the last resync (a new
		// CRD): watch it now, so its deletion reaches the dependents.
		c.requestDiscovery()
	}
	if mapping.Scope.Name() != meta.RESTScopeNameNamespace {
		namespace = ""
	} else if namespace == "" {
		// A cluster-scoped object cannot be owned by a namespaced one.
		return ownerAbsent, nil
	}
	owner, err := c.metadata.Resource(mapping.Resource).Namespace(namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return ownerAbsent, nil
	case err != nil:
		return ownerSolid, err
	}
	return classifyOwner(owner, ref.UID), nil
}

// classifyOwner: a different uid means the name was reused by a new object,
// so the referenced owner is gone.
func classifyOwner(owner metav1.Object, uid types.UID) ownerState {
	switch {
	case owner.GetUID() != uid:
		return ownerAbsent
	case owner.GetDeletionTimestamp() != nil && hasString(owner.GetFinalizers(), finalizerForeground):
		return ownerWaiting
	default:
		return ownerSolid
	}
}

func (c *Controller) resetMapper() {
	if r, ok := c.mapper.(meta.ResettableRESTMapper); ok {
		r.Reset()
	}
}
