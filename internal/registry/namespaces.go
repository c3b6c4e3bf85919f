package registry

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	storeerr "k8s.io/apiserver/pkg/storage/errors"
)

// A namespace is deleted in two steps, as in Kubernetes: DELETE marks it
// Terminating; the namespace controller empties it and then removes the
// "kubernetes" finalizer through namespaces/{name}/finalize; a DELETE of a
// namespace with no spec finalizers left removes the object.

var namespaceHooks = Hooks{
	PrepareForCreate: func(_ context.Context, obj runtime.Object) {
		ns := obj.(*corev1.Namespace)
		ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
		ns.Spec.Finalizers = []corev1.FinalizerName{corev1.FinalizerKubernetes}
	},
	PrepareForUpdate: func(obj, old runtime.Object) {
		obj.(*corev1.Namespace).Spec.Finalizers = old.(*corev1.Namespace).Spec.Finalizers
	},
	Store: func(store *registry.Store, _ Config) { store.ShouldDeleteDuringUpdate = namespaceGoneDuringUpdate },
	Main:  func(m *mainREST, _ Config) rest.Storage { return &namespaceREST{mainREST: m} },
}

// namespaceGoneDuringUpdate: an update of a Terminating namespace with no
// metadata finalizers deletes it only once spec.finalizers are empty too.
// The generic rule (deletionTimestamp set, no metadata.finalizers) would
// delete it on the namespace controller's first status write, while its
// pods are still going.
func namespaceGoneDuringUpdate(ctx context.Context, key string, obj, existing runtime.Object) bool {
	ns, ok := obj.(*corev1.Namespace)
	return ok && len(ns.Spec.Finalizers) == 0 && registry.ShouldDeleteDuringUpdate(ctx, key, obj, existing)
}

// namespaceREST overrides Delete with the two-step deletion.
type namespaceREST struct {
	*mainREST
}

func (r *namespaceREST) Delete(ctx context.Context, name string, deleteValidation rest.ValidateObjectFunc, options *metav1.DeleteOptions) (runtime.Object, bool, error) {
	obj, err := r.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, false, err
	}
	ns := obj.(*corev1.Namespace)
	if len(ns.Spec.Finalizers) == 0 {
		return r.Store.Delete(ctx, name, deleteValidation, options)
	}
	if options != nil && options.Preconditions != nil {
		if uid := options.Preconditions.UID; uid != nil && *uid != ns.UID {
			return nil, false, apierrors.NewConflict(corev1.Resource("namespaces"), name,
				fmt.Errorf("precondition failed: UID in precondition: %v, UID in object meta: %v", *uid, ns.UID))
		}
	}
	if deleteValidation != nil {
		if err := deleteValidation(ctx, ns); err != nil {
			return nil, false, err
		}
	}
	key, err := r.KeyFunc(ctx, name)
	if err != nil {
		return nil, false, err
	}
	out := &corev1.Namespace{}
	dryRun := options != nil && len(options.DryRun) > 0
	err = r.Storage.GuaranteedUpdate(ctx, key, out, false, nil,
		storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
			ns := obj.(*corev1.Namespace)
			if ns.DeletionTimestamp == nil {
				now := metav1.Now()
				ns.DeletionTimestamp = &now
			}
			ns.Status.Phase = corev1.NamespaceTerminating
			return ns, nil
		}), dryRun, nil)
	if err != nil {
		return nil, false, storeerr.InterpretUpdateError(err, corev1.Resource("namespaces"), name)
	}
	return out, false, nil
}

// finalizeREST serves namespaces/{name}/finalize: only spec.finalizers change.
type finalizeREST struct {
	store *registry.Store
}

func (r *finalizeREST) New() runtime.Object { return &corev1.Namespace{} }
func (r *finalizeREST) Destroy()            {}

func (r *finalizeREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, _ rest.ValidateObjectFunc, _ rest.ValidateObjectUpdateFunc, _ bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	key, err := r.store.KeyFunc(ctx, name)
	if err != nil {
		return nil, false, err
	}
	out := &corev1.Namespace{}
	dryRun := options != nil && len(options.DryRun) > 0
	err = r.store.Storage.GuaranteedUpdate(ctx, key, out, false, nil,
		storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
			existing := obj.(*corev1.Namespace)
			updated, err := objInfo.UpdatedObject(ctx, existing.DeepCopy())
			if err != nil {
				return nil, err
			}
			want, ok := updated.(*corev1.Namespace)
			if !ok {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("not a Namespace: %T", updated))
			}
			existing.Spec.Finalizers = want.Spec.Finalizers
			return existing, nil
		}), dryRun, nil)
	if err != nil {
		return nil, false, storeerr.InterpretUpdateError(err, corev1.Resource("namespaces"), name)
	}
	return out, false, nil
}
